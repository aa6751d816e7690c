package bank

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The PostgreSQL tests need a real server. ITEMLAB_TEST_POSTGRES, if set,
// is the URL of one where the user may CREATE DATABASE; otherwise the tests
// start a throwaway cluster (initdb into a temporary folder, pg_ctl start on
// a free port of 127.0.0.1 and a unix socket in that folder, as the
// postgres user when running as root) and stop it when they end. Each test
// gets its own database. Without a server the tests skip, saying why,
// except under CI=true, where they fail.
var pg struct {
	once    sync.Once
	admin   string // URL of the maintenance database
	why     string // why there is no server, if admin == ""
	dataDir string
	pgctl   string
	asUser  []string // the command prefix to run as the server's user
	n       atomic.Int64
}

func pgStart() {
	if u := os.Getenv("ITEMLAB_TEST_POSTGRES"); u != "" {
		pg.admin = u
		return
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if p, err := exec.LookPath("initdb"); err == nil {
		bins = append(bins, p)
	}
	if len(bins) == 0 {
		pg.why = "no PostgreSQL server: ITEMLAB_TEST_POSTGRES is unset and initdb is not installed (apt-get install postgresql)"
		return
	}
	sort.Strings(bins)
	initdb := bins[len(bins)-1]
	pg.pgctl = filepath.Join(filepath.Dir(initdb), "pg_ctl")
	dir, err := os.MkdirTemp("", "itemlab-pg-")
	if err != nil {
		pg.why = "no PostgreSQL server: " + err.Error()
		return
	}
	pg.dataDir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			pg.why = "no PostgreSQL server: running as root and there is no postgres user to run initdb as"
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			pg.why = "no PostgreSQL server: " + err.Error()
			return
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) error {
		cmd := exec.Command(append(pg.asUser, args...)[0], append(pg.asUser, args...)[1:]...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	data := filepath.Join(dir, "data")
	if err := run(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		pg.why = "no PostgreSQL server: initdb failed: " + err.Error()
		return
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pg.why = "no PostgreSQL server: no free port: " + err.Error()
		return
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
	if err := run(pg.pgctl, "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start"); err != nil {
		pg.why = "no PostgreSQL server: pg_ctl start failed: " + err.Error()
		return
	}
	pg.admin = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// pgStop stops the cluster pgStart started; TestMain calls it.
func pgStop() {
	if pg.pgctl != "" && pg.admin != "" && os.Getenv("ITEMLAB_TEST_POSTGRES") == "" {
		args := append(append([]string(nil), pg.asUser...), pg.pgctl, "-D", filepath.Join(pg.dataDir, "data"), "-m", "immediate", "-w", "stop")
		exec.Command(args[0], args[1:]...).Run()
	}
	if pg.dataDir != "" {
		os.RemoveAll(pg.dataDir)
	}
}

// pgTarget returns the URL of a new, empty database for this test, dropped
// at its end.
func pgTarget(t testing.TB) string {
	t.Helper()
	pg.once.Do(pgStart)
	if pg.admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %s", pg.why)
		}
		t.Skip(pg.why)
	}
	db, err := sql.Open("pgx", pg.admin)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := fmt.Sprintf("itemlab_test_%d_%d", os.Getpid(), pg.n.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s: CREATE DATABASE: %v", redact(pg.admin), err)
		}
		t.Skipf("PostgreSQL at %s: CREATE DATABASE: %v", redact(pg.admin), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", pg.admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(pg.admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
