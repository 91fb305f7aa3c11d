package store_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/store"
)

// TestForgetOnCluster runs the erasure scan on a three-node Redis
// Cluster it starts on loopback (ports REDIS_CLUSTER_PORT, default 7201,
// and the two after, with their bus ports 10000 above). It is skipped
// without redis-server and redis-cli, or when a port is taken.
func TestForgetOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	server, err1 := exec.LookPath("redis-server")
	cli, err2 := exec.LookPath("redis-cli")
	if err1 != nil || err2 != nil {
		t.Skip("no redis-server or redis-cli")
	}
	base := 7201
	if p := os.Getenv("REDIS_CLUSTER_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1024 || n > 55000 {
			t.Fatalf("REDIS_CLUSTER_PORT=%q: want a port below 55000", p)
		}
		base = n
	}
	var addrs []string
	for i := range 3 {
		for _, port := range []int{base + i, base + i + 10000} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				t.Skipf("port %d taken: %v", port, err)
			}
			l.Close()
		}
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", base+i))
	}
	dir := t.TempDir()
	for i, a := range addrs {
		port := strconv.Itoa(base + i)
		cmd := exec.Command(server, "--port", port, "--bind", "127.0.0.1", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes-"+port+".conf", "--dir", dir, "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", a, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	ctx := context.Background()
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		waitFor(t, func() bool { return c.Ping(ctx).Err() == nil })
		c.Close()
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	out, err := exec.Command(cli, append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	t.Cleanup(func() { cc.Close() })
	waitFor(t, func() bool {
		info, err := cc.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok") && cc.Set(ctx, "probe{a}", 1, time.Second).Err() == nil &&
			cc.Set(ctx, "probe{b}", 1, time.Second).Err() == nil && cc.Set(ctx, "probe{c}", 1, time.Second).Err() == nil
	})
	prefix := "fbcluster:"
	forgetLeavesNothing(t, store.New(cc, prefix), cc, prefix)
}

// waitFor polls ok for up to 15 seconds.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("cluster not ready within 15s")
}
