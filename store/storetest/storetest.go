// Package storetest gives tests a store on a real Redis when REDIS_URL is
// set (CI), or on an in-process miniredis otherwise, each test under its own
// key prefix so tests can share one server.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/startgate/founderbot/bot/netio"
	"github.com/startgate/founderbot/store"
)

// Env is a store for one test, with what the test may need to reach under it.
type Env struct {
	Store  *store.Redis
	Client redis.UniversalClient
	Prefix string
	// Mini is the in-process server, nil on a real Redis. Tests that need
	// to move Redis' clock skip themselves without it.
	Mini *miniredis.Miniredis
	// Calls counts commands and pipelines sent: the round trips.
	Calls *atomic.Int64
}

// New returns a fresh store for tb; its keys are deleted when tb ends.
func New(tb testing.TB) *Env {
	tb.Helper()
	env := &Env{Calls: new(atomic.Int64)}
	if url := os.Getenv("REDIS_URL"); url != "" {
		c, err := store.Connect(url, netio.Wrap)
		if err != nil {
			tb.Fatalf("REDIS_URL: %v", err)
		}
		if err := c.Ping(context.Background()).Err(); err != nil {
			tb.Fatalf("REDIS_URL set but Redis does not answer: %v", err)
		}
		env.Client = c
	} else {
		env.Mini = miniredis.RunT(tb)
		env.Client = redis.NewClient(&redis.Options{Addr: env.Mini.Addr()})
	}
	env.Client.AddHook(counter{env.Calls})
	var b [6]byte
	_, _ = rand.Read(b[:])
	env.Prefix = "fbtest:" + hex.EncodeToString(b[:]) + ":"
	env.Store = store.New(env.Client, env.Prefix)
	tb.Cleanup(func() {
		ctx := context.Background()
		if env.Mini == nil {
			deletePrefix(ctx, env.Client, env.Prefix)
		}
		env.Client.Close()
	})
	return env
}

// Real reports whether the store is on a real Redis server.
func (e *Env) Real() bool { return e.Mini == nil }

type counter struct{ n *atomic.Int64 }

func (counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// deletePrefix deletes the keys under prefix. On a Cluster, SCAN sees one
// node's keys only: every master is scanned.
func deletePrefix(ctx context.Context, c redis.UniversalClient, prefix string) {
	scan := func(ctx context.Context, node redis.Cmdable) error {
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			node.Del(ctx, iter.Val())
		}
		return iter.Err()
	}
	if cc, ok := c.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return scan(ctx, m) })
		return
	}
	_ = scan(ctx, c)
}
