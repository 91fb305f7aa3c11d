package application

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// BenchmarkListIn measures a page of one program's applications among
// 2000 (half to it), against a page of all: the store reads every
// application for either, so the filter should cost little on top.
func BenchmarkListIn(b *testing.B) {
	ctx := context.Background()
	env := storetest.New(b)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	qs := []flows.Question{{ID: "startup", Kind: "text", Text: map[string]string{"en": "Name?"}, Label: map[string]string{"en": "Name"}}}
	for i := range 2000 {
		f := flows.FounderID(fmt.Sprintf("tg:%d", i))
		a := &flows.Application{ID: fmt.Sprintf("A-%04d", i), Founder: f, Lang: "en", Status: flows.StatusSubmitted,
			Answers: map[string]string{"startup": "Acme"}, Submitted: now, Updated: now}
		if i%2 == 0 {
			a.Program, a.Call, a.Questions = "acceleration", "q1", qs
		}
		if err := env.Store.ReserveApplicationID(ctx, a.ID, f, now); err != nil {
			b.Fatal(err)
		}
		if err := env.Store.SaveSession(ctx, f, "", 0, flows.Session{}, a, nil); err != nil {
			b.Fatal(err)
		}
	}
	r := NewReview(env.Store, nil, ReviewConfig{})
	for _, program := range []string{"", "acceleration"} {
		b.Run("program="+program, func(b *testing.B) {
			for b.Loop() {
				if _, n, err := r.ListIn(ctx, program, "", 0, 10); err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
		})
	}
}
