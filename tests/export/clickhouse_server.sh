# clickhouse_server.sh - sourced by the ClickHouse tests: private servers.
#
# start_clickhouse DIR [REMOTE_SERVERS_XML [HTTP_PORT TCP_PORT]] starts a
# clickhouse-server (no system service) bound to 127.0.0.1 on free ports (or
# the ones given, for a cluster whose servers name each other), with its config, data and
# logs under DIR, and sets CH_PID, CH_HTTP (its URL) and CH_TCP (its native
# port); REMOTE_SERVERS_XML goes into <remote_servers> (clusters). Returns 1
# if it does not answer /ping. stop_clickhouses stops every server started.
# clickhouse_bins sets CH_SERVER and CH_CLIENT, or returns 1 if missing.
CH_PIDS=()

clickhouse_bins() {
  CH_SERVER=$(command -v clickhouse-server || true)
  [ -z "$CH_SERVER" ] && [ -x /usr/sbin/clickhouse-server ] && CH_SERVER=/usr/sbin/clickhouse-server
  CH_CLIENT=$(command -v clickhouse-client || true)
  [ -n "$CH_SERVER" ] && [ -n "$CH_CLIENT" ]
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ch_ports N - prints N distinct free ports.
ch_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

start_clickhouse() {
  local dir=$1 remote=${2:-} ports
  ports=$(ch_ports 2)
  local http_port=${3:-${ports% *}} tcp_port=${4:-${ports#* }}
  mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/user_files" "$dir/format_schemas"
  cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/err.log</errorlog></logger>
  <http_port>$http_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>104857600</mark_cache_size>
  <uncompressed_cache_size>104857600</uncompressed_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <remote_servers>$remote</remote_servers>
</yandex>
XML
  cat > "$dir/users.xml" <<'XML'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
  "$CH_SERVER" --config-file="$dir/config.xml" > "$dir/log/stdout" 2>&1 &
  CH_PID=$!
  CH_PIDS+=("$CH_PID")
  CH_HTTP="http://127.0.0.1:$http_port"
  CH_TCP=$tcp_port
  for _ in $(seq 1 150); do
    if python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('$CH_HTTP/ping', timeout=1).read() == b'Ok.\n' else 1)" 2>/dev/null; then
      return 0
    fi
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "clickhouse-server in $dir did not start"; tail -20 "$dir/log/stdout" "$dir/log/err.log" 2>/dev/null
  return 1
}

stop_clickhouses() {
  local p
  for p in "${CH_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${CH_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  CH_PIDS=()
}

# ch_test_setup - the ClickHouse tests' common start: exit 77 (ctest's skip)
# without clickhouse-server/client, $work a temporary directory removed at
# exit together with every server started and $serve_pid if set, and
# ok/bad/check_eq counting into $pass/$fail; ch_test_end prints the counts
# and fails if anything failed.
ch_test_setup() {
  if ! clickhouse_bins; then
    echo "SKIP: clickhouse-server or clickhouse-client not installed (scripts/install-deps.sh --test)"
    exit 77
  fi
  work=$(mktemp -d)
  serve_pid=""
  trap ch_test_cleanup EXIT
  pass=0 fail=0
}
ch_test_cleanup() {
  [ -n "${serve_pid:-}" ] && kill -9 "$serve_pid" 2>/dev/null
  stop_clickhouses
  rm -rf "$work"
}
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got '$2', want '$3'"; fi; }
ch_test_end() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# start_fleet - two servers as the shards of cluster "fleet" (each names
# both in its remote_servers), under $work/s1 and $work/s2: sets h1/t1 and
# h2/t2 (HTTP and native ports), fleet_remote (the XML, to restart a shard
# with start_clickhouse "$work/s2" "$fleet_remote" "$h2" "$t2") and
# shard2_pid; defines q1 and q2 (clickhouse-client --query on each).
start_fleet() {
  read -r h1 t1 h2 t2 <<< "$(ch_ports 4)"
  fleet_remote="<fleet>
  <shard><replica><host>127.0.0.1</host><port>$t1</port></replica></shard>
  <shard><replica><host>127.0.0.1</host><port>$t2</port></replica></shard>
</fleet>"
  start_clickhouse "$work/s1" "$fleet_remote" "$h1" "$t1" || return 1
  start_clickhouse "$work/s2" "$fleet_remote" "$h2" "$t2" || return 1
  shard2_pid=$CH_PID
}
q1() { "$CH_CLIENT" --port "$t1" --query "$1"; }
q2() { "$CH_CLIENT" --port "$t2" --query "$1"; }
