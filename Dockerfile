# Build: docker build -t founderbot .
# Run:   docker run --rm -p 8080:8080 -e REDIS_URL=... founderbot

# go.mod says go 1.26.0; the official image sets GOTOOLCHAIN=local, so the
# build uses the image's Go and never downloads another toolchain.
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules in their own layer: source edits do not re-download dependencies.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# CGO_ENABLED=0 gives a static binary that needs no libc in the final image;
# -trimpath drops local paths, -s -w drops symbol and debug tables.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/founderbot ./cmd/founderbot

# distroless/static holds only ca-certificates (TLS to Telegram and Slack),
# tzdata (time zones for office hours), /etc/passwd and /tmp: no shell, no
# package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/founderbot /founderbot
# The :nonroot tag already runs as nonroot; numeric IDs let Kubernetes'
# runAsNonRoot verify it without looking up the name.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/founderbot"]
