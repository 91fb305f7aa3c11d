package store

import (
	"context"
	"crypto/tls"
	"net"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/startgate/founderbot/bot/netio"
)

func TestConnect(t *testing.T) {
	tests := []struct {
		url  string
		want string // client type
	}{
		{"redis://localhost:6379/0", "*redis.Client"},
		{"rediss://user:pw@redis.example:6380/1", "*redis.Client"},
		{"redis://s1:26379?master_name=mymaster&addr=s2:26379", "*redis.Client"}, // a failover client is a *redis.Client
		{"redis://n1:7000?addr=n2:7000&addr=n3:7000", "*redis.ClusterClient"},
		{"redis://n1:7000?cluster=true", "*redis.ClusterClient"},
	}
	for _, tt := range tests {
		c, err := Connect(tt.url, nil)
		if err != nil {
			t.Errorf("Connect(%q): %v", tt.url, err)
			continue
		}
		got := "*redis.Client"
		if _, ok := c.(*redis.ClusterClient); ok {
			got = "*redis.ClusterClient"
		}
		if got != tt.want {
			t.Errorf("Connect(%q) = %s; want %s", tt.url, got, tt.want)
		}
		c.Close()
	}
	_, err := Connect("redis://user:s3cret@host:notaport/0", nil)
	if err == nil {
		t.Fatal("Connect with a bad port: no error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestConnectWraps: every connection dialed without TLS goes through
// wrap (cmd's bot/netio), and commands work over what it returns.
func TestConnectWraps(t *testing.T) {
	m := miniredis.RunT(t)
	var wrapped atomic.Int32
	wrap := func(c net.Conn) net.Conn {
		wrapped.Add(1)
		return c
	}
	c, err := Connect("redis://"+m.Addr()+"/0", wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Get("k"); got != "v" {
		t.Errorf("k = %q; want v", got)
	}
	if wrapped.Load() == 0 {
		t.Error("the connection was not given to wrap")
	}
	if d := dialer(0, &tls.Config{}, wrap); d != nil {
		t.Error("a TLS connection would be given to wrap; want go-redis' dialer")
	}
}

// TestConnectAfterServerClosedIdle: connections Redis closed while idle
// (its `timeout`, CLIENT KILL) are found dead by go-redis' pool check,
// through bot/netio's SyscallConn, and replaced: scripts and pipelines
// succeed and run once. Real Redis only.
func TestConnectAfterServerClosedIdle(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Skip("needs REDIS_URL (CI's redis-server): miniredis cannot close a client's connections")
	}
	if q, _ := neturl.Parse(url); q == nil || q.Query().Has("addr") || q.Query().Has("cluster") || q.Query().Has("master_name") {
		t.Skip("one server only: the test closes the connections one server lists")
	}
	name := "fbtest-closed-idle-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	c, err := Connect(url+sep+"client_name="+name, netio.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	admin, err := Connect(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// closeAll has Redis close the test client's connections, and only
	// those: other tests may be using the server.
	closeAll := func() {
		t.Helper()
		list, err := admin.ClientList(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		closed := 0
		for _, line := range strings.Split(list, "\n") {
			if !strings.Contains(line, " name="+name+" ") {
				continue
			}
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "id="), " ")
			if err := admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			closed++
		}
		if closed == 0 {
			t.Fatal("no connection of the test client to close")
		}
	}
	script := redis.NewScript(`return redis.call("INCR", KEYS[1])`)
	key := "fbtest:" + name
	defer admin.Del(context.Background(), key)
	for round := range 3 {
		if err := script.Run(ctx, c, []string{key}).Err(); err != nil {
			t.Fatal(err)
		}
		closeAll()
		n, err := script.Run(ctx, c, []string{key}).Int()
		if err != nil {
			t.Fatalf("round %d: script on a connection Redis closed: %v; want it sent again on a new one", round, err)
		}
		if want := 2*round + 2; n != want {
			t.Errorf("round %d: counter %d; want %d (the script ran once per call)", round, n, want)
		}
		closeAll()
		p := c.Pipeline()
		get := p.Get(ctx, key)
		p.Ping(ctx)
		if _, err := p.Exec(ctx); err != nil {
			t.Fatalf("round %d: pipeline on a connection Redis closed: %v", round, err)
		}
		if got := get.Val(); got != strconv.Itoa(2*round+2) {
			t.Errorf("round %d: pipeline read %q; want %d", round, got, 2*round+2)
		}
	}
}

// TestConnectAfterRestart: Redis restarted under a pool of idle
// connections (all closed by the server). go-redis checks each pooled
// connection before using it, through bot/netio's SyscallConn, and
// dials afresh: commands and transactions succeed at once.
func TestConnectAfterRestart(t *testing.T) {
	m := miniredis.RunT(t)
	c, err := Connect("redis://"+m.Addr()+"/0?min_idle_conns=8&pool_size=8", netio.Wrap)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for round := range 3 {
		// Use the pool from 8 goroutines so that it holds 8 connections.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _ = c.Do(ctx, "PING").Err() })
		}
		wg.Wait()
		m.Close()
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
		if err := c.Set(ctx, "k", round, 0).Err(); err != nil {
			t.Fatalf("round %d: SET after a restart: %v; want the dead connections skipped", round, err)
		}
		m.Close()
		if err := m.Restart(); err != nil {
			t.Fatal(err)
		}
		if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, "n")
			return nil
		}); err != nil {
			t.Fatalf("round %d: transaction after a restart: %v; want the dead connections skipped", round, err)
		}
	}
}
