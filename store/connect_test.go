package store

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
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
		c, err := Connect(tt.url)
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
	_, err := Connect("redis://user:s3cret@host:notaport/0")
	if err == nil {
		t.Fatal("Connect with a bad port: no error")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}
