import { DEFAULT_COPY_CONCURRENCY } from '../registry/copy-settings.js';

export const USAGE = `root-ecr-mirror: copy container images between registries, and run the webhook intake locally.

Usage:
  node dist/cli.mjs copy SRC DST [--platform os/arch[/variant]] [--json] [--concurrency N] [--no-referrers]
  node dist/cli.mjs sync [REPO[:TAG-GLOB]...] [--dry-run] [--json] [--concurrency N]
  node dist/cli.mjs serve [--port 8080] [--host 127.0.0.1]
  node dist/cli.mjs send-test-webhook URL --image REPO:TAG [--digest D] [--arch A] [--registry HOST] [--secret S]
  node dist/cli.mjs --help | --version

copy
  Copies SRC to DST byte for byte (same digests): a single image, or a whole multi-arch index.
  SRC, DST        host[:port]/repository[:tag][@sha256:<hex>]; short Docker Hub names such as
                  python:3 mean docker.io/library/python:3. A DST without tag takes SRC's tag.
  --platform P    copy only platform P (e.g. linux/amd64, linux/arm64/v8); DST's tag points at it.
  --json          print the summary as one JSON object on stdout, and no progress.
  --concurrency N blobs transferred at once (default ${DEFAULT_COPY_CONCURRENCY}).
  --no-referrers  copy the image alone. By default its signatures, attestations, SBOMs and VEX
                  (OCI referrers and cosign's sha256-<digest>.sig/.att/.sbom tags) come with it,
                  before DST's tag moves; --json lists each under "referrers".
  On a terminal, stderr shows each running blob's bytes, percentage and rate, and an overall line.
  Ctrl-C stops the copy: open uploads are ended and DST's tag is left as it was.
  Credentials come from $DOCKER_CONFIG/config.json, else ~/.docker/config.json ("auths" entries);
  for an ECR registry without an entry, from ECR with your AWS credentials (no docker login).
  Plain HTTP is used only for loopback hosts (localhost, 127.0.0.0/8, [::1]); all else is HTTPS.

sync
  Brings the destination in step with Root: for each repository in scope, Root's tags and their
  digests against the destination's, then mirrors the tags missing there or naming another digest.
  Never deletes. Configured like serve (ROOT_REGISTRY_HOST, ROOT_API_KEY, DST_REGISTRY, DST_REPO,
  ALLOWED_REPOS); REPO arguments (globs allowed) narrow ALLOWED_REPOS, without them it is the scope.
  With QUEUE_URL the tags are queued for the worker; without, they are copied here.
  --dry-run       print the plan; write nothing.
  --json          print the summary (the Lambda reconcile's fields) as one JSON object on stdout.
  --concurrency N manifest HEADs in flight on each side (default 8).
  Exit status 1 when a repository or tag could not be reconciled.

serve
  Serves the webhook intake over HTTP, configured from the same environment as the Lambda.
  --port N        port to listen on (default 8080).
  --host H        address to listen on (default 127.0.0.1).
  Needs WEBHOOK_SECRET (16 bytes or more), e.g. WEBHOOK_SECRET=whsec_$(openssl rand -base64 32).
  Without QUEUE_URL it mirrors in this process, a few images at a time; the first Ctrl-C waits
  for the copies running, a second one abandons them.

send-test-webhook
  Sends a signed CloudEvent shaped like Root's to URL and prints the status and body.
  --image REPO:TAG  the image_repo and image_tag of the event (required).
  --digest D        image_digest (sha256:<hex>).
  --arch A          arch (e.g. amd64, arm64/v8); omitted means the whole index.
  --registry HOST   registry host named in the event's subject (default $ROOT_REGISTRY_HOST, else cr.root.io).
  --secret S        webhook signing secret (default: $WEBHOOK_SECRET).

Exit status: 0 on success; 1 with a one-line reason on stderr otherwise; 2 for bad usage or an
invalid configuration (every problem is listed); 130 when stopped with Ctrl-C.
`;
