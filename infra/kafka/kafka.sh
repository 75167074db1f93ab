#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft) for local runs and tests, resolved from Maven Central.
#   kafka.sh fetch                  resolve the jars once into $ONEGRID_CACHE/kafka-<version>/libs
#   kafka.sh start DATA_DIR [PORT]  format DATA_DIR (once) and start a broker on 127.0.0.1:PORT in the background
#   kafka.sh stop DATA_DIR          stop the broker started on DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${ONEGRID_CACHE:-$root/.cache}
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
libs=$cache/kafka-$version-$(sha256sum "$here/pom.xml" | head -c 8)/libs

fetch() {
  if [ -f "$libs/.complete" ]; then return; fi
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs"
  touch "$libs/.complete"
}

wait_port() {  # wait until 127.0.0.1:$1 accepts connections, or fail after $2 seconds
  local deadline=$((SECONDS + $2))
  until (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start() {
  local data=$1 port=${2:-9092} controller=$(( ${2:-9092} + 1 ))
  fetch
  mkdir -p "$data"
  data=$(cd "$data" && pwd)
  cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data/logs
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
  cat > "$data/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    File: {name: file, fileName: "${sys:kafka.logs.dir}/server.log", PatternLayout: {pattern: "[%d] %p %m (%c)%n"}}
  Loggers:
    Root: {level: WARN, AppenderRef: [{ref: file}]}
    Logger: [{name: kafka.server.KafkaRaftServer, level: INFO}]
LOG
  local java=(java -Xms256m -Xmx768m -XX:+UseG1GC -Dkafka.logs.dir="$data" -Dlog4j2.configurationFile="$data/log4j2.yaml" -cp "$libs/*")
  if [ ! -f "$data/logs/meta.properties" ]; then
    "${java[@]}" kafka.tools.StorageTool format -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" -c "$data/server.properties" >"$data/format.log" 2>&1
  fi
  # Every partition keeps several files open; a test session creates thousands of partitions.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  nohup "${java[@]}" kafka.Kafka "$data/server.properties" >"$data/stdout.log" 2>&1 &
  echo $! > "$data/kafka.pid"
  if ! wait_port "$port" 60; then
    echo "kafka did not start; see $data/stdout.log and $data/server.log" >&2
    tail -20 "$data/stdout.log" >&2 || true
    exit 1
  fi
  echo "kafka listening on 127.0.0.1:$port (data in $data)"
}

stop() {
  local pidfile=$1/kafka.pid
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "${2:?data dir}" "${3:-9092}" ;;
  stop) stop "${2:?data dir}" ;;
  *) echo "usage: $0 fetch | start DATA_DIR [PORT] | stop DATA_DIR" >&2; exit 2 ;;
esac
