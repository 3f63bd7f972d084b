#!/usr/bin/env bash
# Makes sure MariaDB answers on 127.0.0.1:3306 for user root without a
# password (the earlier backend's MySQL schema is loaded into throw-away
# databases by the `portal import earlier` tests): starts an installed
# server, or installs mariadb-server (Debian, as root) when none is present.
# Used by `make test` and .ci/run, like .ci/postgres.sh.
set -euo pipefail

client() {
  if command -v mariadb >/dev/null 2>&1; then mariadb "$@"; else mysql "$@"; fi
}
ready() { client --protocol=TCP -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1; }

if ready; then
  exit 0
fi

if [ ! -x /usr/sbin/mariadbd ] && [ ! -x /usr/sbin/mysqld ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "MariaDB is not installed and this script is not root: install mariadb-server (root without password on 127.0.0.1:3306) and retry." >&2
    exit 1
  fi
  echo "Installing MariaDB…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq mariadb-server >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq mariadb-server >/dev/null; }
fi

server=/usr/sbin/mariadbd
[ -x "$server" ] || server=/usr/sbin/mysqld

if ! client -u root -e 'SELECT 1' >/dev/null 2>&1; then
  # Not running at all (containers have no init to start it).
  if [ "$(id -u)" -eq 0 ]; then
    install -d -o mysql -g mysql /run/mysqld
    if [ ! -d /var/lib/mysql/mysql ]; then
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null 2>&1 || mysql_install_db --user=mysql >/dev/null
    fi
    start-stop-daemon --start --oknodo --background --exec "$server" -- --user=mysql --bind-address=127.0.0.1 --port=3306
  else
    service mariadb start 2>/dev/null || true
  fi
fi

for _ in $(seq 1 30); do
  ready && exit 0
  # Running, but root over TCP needs a password (Debian's root@localhost
  # authenticates by unix socket): as root, add the password-less TCP login
  # the tests use, on the loopback address only.
  if [ "$(id -u)" -eq 0 ] && client -u root -e 'SELECT 1' >/dev/null 2>&1; then
    client -u root -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
      ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
      FLUSH PRIVILEGES;" || true
  fi
  sleep 1
done
echo "MariaDB did not become ready on 127.0.0.1:3306 (user root, no password)" >&2
exit 1
