# syntax=docker/dockerfile:1
# alb-audit as a container image: one statically linked (musl) binary on distroless/static, which
# holds the CA certificates the AWS SDK's TLS needs and nothing else (no shell), run as non-root.
#   docker build -t alb-audit .
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     alb-audit audit --alb-arn arn:aws:elasticloadbalancing:...
# The release workflow (.github/workflows/release.yml) builds it natively for linux/amd64 and
# linux/arm64; the build stage runs on the image's platform, so `uname -m` is x86_64 or aarch64.

FROM rust:1.95-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add "$(uname -m)-unknown-linux-musl"
WORKDIR /src
COPY . .
RUN cargo build --release --locked --target "$(uname -m)-unknown-linux-musl" \
 && cp "target/$(uname -m)-unknown-linux-musl/release/alb-audit" /alb-audit

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /alb-audit /usr/local/bin/alb-audit
USER nonroot:nonroot
ENTRYPOINT ["alb-audit"]
