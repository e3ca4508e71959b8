ARG TAG=3.20
FROM alpine AS a
FROM alpine:latest AS b
FROM docker.io/library/alpine:${TAG} AS c
FROM a AS d
FROM --platform=$BUILDPLATFORM golang:1.26 AS e
FROM ${UNKNOWN}
FROM registry.example:5000/team/app:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
USER 1000
HEALTHCHECK CMD true
