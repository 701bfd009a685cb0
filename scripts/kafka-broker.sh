#!/usr/bin/env bash
# A real Apache Kafka broker for tests and local runs, with no Docker: one combined broker/controller node in KRaft
# mode on 127.0.0.1, assembled from Maven Central with the JDK and Maven.
#   scripts/kafka-broker.sh start   prints the bootstrap address (127.0.0.1:9092 unless KAFKA_PORT is set)
#   scripts/kafka-broker.sh stop
# State lives under .kafka/ (KAFKA_HOME to move it); `start` on a running broker just prints its address.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
home="${KAFKA_HOME:-$root/.kafka}"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-$((port + 1))}"
# A second listener that requires SASL/PLAIN (user rapport, password rapport-test-secret), for the tests of KAFKA_SASL_*.
sasl_port="${KAFKA_SASL_PORT:-$((port + 2))}"
# And one that speaks TLS, with a self-signed certificate made at the first start (its PEM: $home/broker-ca.pem).
ssl_port="${KAFKA_SSL_PORT:-$((port + 3))}"
lib="$home/lib"
pidfile="$home/broker.pid"

die() { echo "kafka-broker: $*" >&2; exit 1; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

assemble() {
  command -v java >/dev/null || die "java is not installed: install a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless), or point the tests at another broker with KAFKA_BROKERS=host:port"
  command -v mvn >/dev/null || die "mvn is not installed: install Maven (Debian: apt-get install maven), or point the tests at another broker with KAFKA_BROKERS=host:port"
  # The jar set follows the pom: a changed pom fetches again.
  local marker
  marker="$lib/.complete-$(sha1sum "$root/scripts/kafka/pom.xml" | cut -c1-12)"
  if [ ! -f "$marker" ]; then
    rm -rf "$lib"
    mkdir -p "$lib"
    echo "kafka-broker: fetching Apache Kafka's jars from Maven Central into $lib" >&2
    mvn -q -f "$root/scripts/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >&2 \
      || die "could not fetch Kafka from Maven Central (see the Maven output above)"
    touch "$marker"
  fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if running; then echo "127.0.0.1:$(cat "$home/broker.port")"; return; fi
  for p in "$port" "$controller_port" "$sasl_port" "$ssl_port"; do
    port_taken "$p" && die "port $p on 127.0.0.1 is in use by another program: set KAFKA_PORT (and KAFKA_CONTROLLER_PORT) to free ports, or point the tests at a running broker with KAFKA_BROKERS=host:port"
  done
  assemble
  mkdir -p "$home/data"
  if [ ! -f "$home/broker.p12" ]; then
    keytool -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 3650 -dname CN=127.0.0.1 -ext SAN=IP:127.0.0.1 \
      -keystore "$home/broker.p12" -storetype PKCS12 -storepass rapport-test -keypass rapport-test >/dev/null 2>&1 \
      || die "keytool could not make the test broker's certificate"
    keytool -exportcert -rfc -alias broker -keystore "$home/broker.p12" -storepass rapport-test -file "$home/broker-ca.pem" >/dev/null 2>&1
  fi
  cat > "$home/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,SSL://127.0.0.1:$ssl_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
ssl.keystore.type=PKCS12
ssl.keystore.location=$home/broker.p12
ssl.keystore.password=rapport-test
ssl.key.password=rapport-test
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_rapport="rapport-test-secret";
inter.broker.listener.name=PLAINTEXT
log.dirs=$home/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
  local java_opts=(-Xms256m -Xmx768m -Dlog4j.configuration="file:$root/scripts/kafka/log4j.properties")
  if [ ! -f "$home/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$(java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)"
    java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$home/server.properties" >/dev/null \
      || die "could not format the KRaft storage in $home/data"
  fi
  nohup java -cp "$lib/*" "${java_opts[@]}" kafka.Kafka "$home/server.properties" >"$home/broker.log" 2>&1 &
  echo $! > "$pidfile"
  echo "$port" > "$home/broker.port"
  echo "$sasl_port" > "$home/broker.sasl-port"
  echo "$ssl_port" > "$home/broker.ssl-port"
  for _ in $(seq 1 120); do
    if grep -q "Kafka Server started\|KafkaRaftServer.*started" "$home/broker.log" 2>/dev/null; then echo "127.0.0.1:$port"; return; fi
    running || { tail -n 30 "$home/broker.log" >&2; die "the broker exited while starting (log: $home/broker.log)"; }
    sleep 0.5
  done
  tail -n 30 "$home/broker.log" >&2
  die "the broker did not start within 60 s (log: $home/broker.log)"
}

stop() {
  running || { rm -f "$pidfile"; return; }
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return; }; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
