package ops

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/redis/go-redis/v9"
)

// RedisHook counts failed Redis commands in Metrics; install it with
// client.AddHook. A redis.Nil answer ("no such key") is not a failure.
type RedisHook struct{ M *Metrics }

// DialHook implements redis.Hook: dial failures show up as command errors.
func (RedisHook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook implements redis.Hook.
func (h RedisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.count(err)
		return err
	}
}

// ProcessPipelineHook implements redis.Hook; a pipeline counts once.
func (h RedisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.count(err)
		return err
	}
}

func (h RedisHook) count(err error) {
	if err == nil || errors.Is(err, redis.Nil) {
		return
	}
	// NOSCRIPT is expected: Script.Run tries EVALSHA first, then EVAL.
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		return
	}
	h.M.RedisError(redisErrorKind(err))
}

// redisErrorKind sorts an error into the fixed kinds of the family.
func redisErrorKind(err error) string {
	var ne net.Error
	var rerr redis.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &rerr):
		return "server"
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, redis.ErrClosed):
		return "network"
	}
	return "network"
}
