# syntax=docker/dockerfile:1
ARG BASE=golang:1.26@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
FROM ${BASE} AS build
ARG VERSION=1.0
ARG NPM_TOKEN
ENV PASSWORD_FILE=/run/secrets/pw \
    API_TOKEN=$NPM_TOKEN
RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y make
COPY . /src
ADD vendor.tar.gz /src/vendor/
ADD --checksum=sha256:00 https://example.com/tool.tgz /tmp/
RUN make -C /src

FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir requests
COPY --from=build /src/app /app
EXPOSE 8080 2222 22/udp
HEALTHCHECK CMD ["/app", "health"]
USER 10001:10001
ENTRYPOINT ["/app"]
