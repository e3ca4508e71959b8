FROM alpine:3.20 AS build
USER nobody
FROM scratch
COPY --from=build / /
HEALTHCHECK CMD ["/ok"]
