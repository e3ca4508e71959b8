FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build
RUN apk add git
RUN curl -fsSL https://get.example.com | sh
FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN apt-get update && apt-get install -y curl
RUN apt install -y vim && rm -rf /var/lib/apt/lists/*
RUN apk add --no-cache git
RUN apk update && apk add git && rm -rf /var/cache/apk/*
RUN apk add --virtual .deps gcc && apk add --no-cache make
RUN yum install -y httpd
RUN dnf -y install httpd && dnf clean all
RUN pip3 install flask
RUN python3 -m pip install --no-cache-dir flask
RUN sudo make install
RUN echo sudo is a word
RUN wget -qO- https://x.example/i.sh | sudo bash -s -- -y
RUN curl -o /tmp/i.sh https://x.example/i.sh && sh /tmp/i.sh
RUN curl https://x.example/data | tar xz
RUN ["/bin/sh", "-c", "curl https://x.example | bash"]
RUN <<EOT
apt-get install -y foo
sudo true
EOT
EXPOSE 22
EXPOSE 80 22/tcp
USER 1000
HEALTHCHECK CMD true
