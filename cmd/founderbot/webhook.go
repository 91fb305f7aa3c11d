package main

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/startgate/founderbot/bot/telegram"
)

// loadTelegram reads the settings of Telegram's delivery: webhook or
// polling, the per-founder limit and the lease.
func loadTelegram(c *config, get func(string) (string, error)) error {
	var err error
	c.webhookURL, _ = get("TELEGRAM_WEBHOOK_URL")
	if c.webhookSecret, err = get("TELEGRAM_WEBHOOK_SECRET"); err != nil {
		return err
	}
	if c.webhookURL != "" {
		u, err := url.Parse(c.webhookURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usagef("TELEGRAM_WEBHOOK_URL=%q: want an https URL such as https://bot.example.org/telegram", c.webhookURL)
		}
		if !telegram.ValidWebhookSecret(c.webhookSecret) {
			return usagef("TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL, 32 to 256 characters of A-Z a-z 0-9 _ - (for example: openssl rand -hex 32)")
		}
	}
	lim, _ := get("TELEGRAM_CHAT_LIMIT")
	if c.chatLimit, c.chatWindow, err = parseChatLimit(lim); err != nil {
		return usagef("TELEGRAM_CHAT_LIMIT=%q: want updates per window such as 20/10s, or off", lim)
	}
	workers, _ := get("TELEGRAM_WORKERS")
	if c.workers, err = strconv.Atoi(workers); err != nil || c.workers < 1 || c.workers > 4096 {
		return usagef("TELEGRAM_WORKERS=%q: want a number of chats between 1 and 4096, such as 64", workers)
	}
	lease, _ := get("TELEGRAM_LEASE")
	if c.lease, err = time.ParseDuration(lease); err != nil || c.lease < 300*time.Millisecond || c.lease > 5*time.Minute {
		return usagef("TELEGRAM_LEASE=%q: want a duration between 300ms and 5m, such as 10s", lease)
	}
	return nil
}

// parseChatLimit reads "20/10s"; "off" is no limit (-1).
func parseChatLimit(s string) (int, time.Duration, error) {
	if s == "off" {
		return -1, time.Second, nil
	}
	n, w, ok := strings.Cut(s, "/")
	max, err := strconv.Atoi(n)
	if !ok || err != nil || max < 1 {
		return 0, 0, strconv.ErrSyntax
	}
	window, err := time.ParseDuration(w)
	if err != nil || window < time.Second {
		return 0, 0, strconv.ErrSyntax
	}
	return max, window, nil
}

// webhookPath is the pattern path Telegram posts to: the webhook URL's,
// and only the root itself for a URL without a path (a bare "/" would
// take every path, Slack's too).
func webhookPath(webhookURL string) string {
	u, _ := url.Parse(webhookURL) // checked by loadTelegram
	if u.Path == "" || u.Path == "/" {
		return "/{$}"
	}
	return u.Path
}
