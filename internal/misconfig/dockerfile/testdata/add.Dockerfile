FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ADD https://example.com/install.sh /tmp/
ADD app.conf /etc/app.conf
ADD rootfs.tar.xz /
ADD git@github.com:moby/buildkit.git /src
ADD ${SRC} /x
ADD <<EOF /etc/motd
hello
EOF
USER 1000
HEALTHCHECK CMD true
