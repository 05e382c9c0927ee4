#!/usr/bin/env bash
# Starts Debian's MariaDB for the DATA_DB store tests (test/api/store*.test.ts read
# IM_TEST_MYSQL_URL, default mysql://im:im@127.0.0.1:3306/im_test) and creates the test
# database and user. Idempotent; no systemd in CI, so the server is started directly.
set -euo pipefail

if ! command -v mariadbd >/dev/null 2>&1 && ! command -v mysqld >/dev/null 2>&1; then
  echo "mariadb-server is not installed (it is listed in scripts/apt-packages.txt)" >&2
  exit 1
fi

ping() { mariadb-admin --protocol=socket -uroot ping >/dev/null 2>&1; }

if ! ping; then
  install -d -o mysql -g mysql -m 0755 /run/mysqld
  if [ ! -d /var/lib/mysql/mysql ]; then
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  if ! service mariadb start >/dev/null 2>&1; then
    # No init scripts usable here: run the server in the background ourselves.
    nohup mysqld_safe --user=mysql --bind-address=127.0.0.1 >/var/log/mysqld_safe.out 2>&1 &
  fi
  for _ in $(seq 1 60); do
    ping && break
    sleep 1
  done
  ping || { echo "MariaDB did not start" >&2; tail -n 50 /var/log/mysql/error.log 2>/dev/null || true; exit 1; }
fi

mariadb --protocol=socket -uroot <<'SQL'
CREATE DATABASE IF NOT EXISTS im_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'im'@'127.0.0.1' IDENTIFIED BY 'im';
CREATE USER IF NOT EXISTS 'im'@'localhost' IDENTIFIED BY 'im';
GRANT ALL PRIVILEGES ON im_test.* TO 'im'@'127.0.0.1';
GRANT ALL PRIVILEGES ON im_test.* TO 'im'@'localhost';
FLUSH PRIVILEGES;
SQL
mariadb -h 127.0.0.1 -P 3306 -uim -pim im_test -e 'SELECT 1' >/dev/null
echo "MariaDB ready: mysql://im:im@127.0.0.1:3306/im_test"
