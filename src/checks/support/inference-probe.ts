/**
 * kaic's inference-like probe workload, shared by the service-metrics and autoscaling checks.
 */
export const PORT = 8080;
export const METRICS_PATH = '/cgi-bin/metrics';
export const REQUESTS = 'kaic_inference_requests_total';
export const LATENCY = 'kaic_inference_request_duration_seconds';
export const QUEUE = 'kaic_inference_queue_size';
/** A gauge kaic sets through `/cgi-bin/load?N`: what the autoscaler is driven by. */
export const LOAD = 'kaic_load';

/**
 * The workload: busybox's httpd serving two CGI programs, an "inference" endpoint that counts each
 * request and observes its latency, and a Prometheus endpoint with a request counter, a latency
 * histogram and a queue gauge, every series labelled with the run. Busybox is in every registry
 * mirror kaic already needs; state lives in an emptyDir (the container runs as nobody).
 */
export function workloadScript(run: string): string[] {
  const infer = [
    '#!/bin/sh',
    'S=/w/state',
    'echo 1 > $S/queue',
    't0=$(cut -d" " -f1 /proc/uptime)',
    'n=$(cat $S/count); echo $((n+1)) > $S/count',
    't1=$(cut -d" " -f1 /proc/uptime)',
    'd=$(echo "$t0 $t1" | awk \'{printf "%d", ($2-$1)*100}\')',
    'for le in 5 10 50 100; do b=$(cat $S/b$le); [ "$d" -le "$le" ] && b=$((b+1)); echo $b > $S/b$le; done',
    'sum=$(cat $S/sum); echo $((sum+d)) > $S/sum',
    'echo 0 > $S/queue',
    'printf "Content-Type: application/json\\r\\n\\r\\n"',
    'echo \'{"model":"kaic-probe","choices":[{"text":"ok"}]}\'',
  ].join('\n');
  const metrics = [
    '#!/bin/sh',
    'S=/w/state; R=$(cat $S/run); n=$(cat $S/count)',
    'printf "Content-Type: text/plain; version=0.0.4\\r\\n\\r\\n"',
    `echo "# TYPE ${REQUESTS} counter"`,
    `echo "${REQUESTS}{kaic_run=\\"$R\\"} $n"`,
    `echo "# TYPE ${LATENCY} histogram"`,
    `for le in 5 10 50 100; do echo "${LATENCY}_bucket{kaic_run=\\"$R\\",le=\\"$(awk "BEGIN{print $le/100}")\\"} $(cat $S/b$le)"; done`,
    `echo "${LATENCY}_bucket{kaic_run=\\"$R\\",le=\\"+Inf\\"} $n"`,
    `echo "${LATENCY}_sum{kaic_run=\\"$R\\"} $(awk "BEGIN{print $(cat $S/sum)/100}")"`,
    `echo "${LATENCY}_count{kaic_run=\\"$R\\"} $n"`,
    `echo "# TYPE ${QUEUE} gauge"`,
    `echo "${QUEUE}{kaic_run=\\"$R\\"} $(cat $S/queue)"`,
    `echo "# TYPE ${LOAD} gauge"`,
    `echo "${LOAD}{kaic_run=\\"$R\\"} $(cat $S/load)"`,
  ].join('\n');
  const load = [
    '#!/bin/sh',
    'case "$QUERY_STRING" in *[!0-9]*|"") v=0 ;; *) v=$QUERY_STRING ;; esac',
    'echo $v > /w/state/load',
    'printf "Content-Type: text/plain\\r\\n\\r\\n"; echo "load $v"',
  ].join('\n');
  const setup = [
    'set -e',
    'mkdir -p /w/cgi-bin /w/state',
    `echo '${run}' > /w/state/run`,
    'for f in count sum queue load b5 b10 b50 b100; do echo 0 > /w/state/$f; done',
    `cat > /w/cgi-bin/infer <<'KAIC_EOF'\n${infer}\nKAIC_EOF`,
    `cat > /w/cgi-bin/metrics <<'KAIC_EOF'\n${metrics}\nKAIC_EOF`,
    `cat > /w/cgi-bin/load <<'KAIC_EOF'\n${load}\nKAIC_EOF`,
    'chmod 755 /w/cgi-bin/infer /w/cgi-bin/metrics /w/cgi-bin/load',
    `exec httpd -f -p ${PORT} -h /w`,
  ].join('\n');
  return ['sh', '-c', setup];
}

