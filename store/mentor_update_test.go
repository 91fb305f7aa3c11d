package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/store/storetest"
)

// TestUpdateMentorKeepsConcurrentChanges: writers of different fields of
// one mentor at once (staff's form, the contact's pause, a founder's link)
// each keep the others' changes.
func TestUpdateMentorKeepsConcurrentChanges(t *testing.T) {
	st := storetest.New(t).Store
	ctx := context.Background()
	id := addMentor(t, st, "karim", 1)
	const n = 40
	errs := race(n, func(i int) error {
		_, err := st.UpdateMentor(ctx, id, func(m *flows.Mentor) error {
			if i%2 == 0 {
				m.MonthlyCap++
			} else {
				m.WeeklyCap++
			}
			return nil
		})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	m, err := st.Mentor(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.MonthlyCap != n/2 || m.WeeklyCap != 1+n/2 {
		t.Errorf("monthly cap %d, weekly cap %d; want %d and %d: an update undid another", m.MonthlyCap, m.WeeklyCap, n/2, 1+n/2)
	}
	if m.Name != "Mentor karim" || m.ID != id {
		t.Errorf("mentor %+v; want the rest unchanged", m)
	}
}

func TestUpdateMentorRefusals(t *testing.T) {
	st := storetest.New(t).Store
	ctx := context.Background()
	id := addMentor(t, st, "salma", 2)
	stop := errors.New("stop")
	if _, err := st.UpdateMentor(ctx, id, func(m *flows.Mentor) error {
		m.Name = "changed"
		return stop
	}); !errors.Is(err, stop) {
		t.Fatalf("update whose function failed: %v; want its error", err)
	}
	if m, _ := st.Mentor(ctx, id); m.Name != "Mentor salma" {
		t.Errorf("name %q after a failed update; want it unchanged", m.Name)
	}
	if _, err := st.UpdateMentor(ctx, "nobody", func(*flows.Mentor) error { return nil }); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("update of no mentor: %v; want ErrNotFound", err)
	}
	if _, err := st.RemoveMentor(ctx, id, ohNow); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateMentor(ctx, id, func(*flows.Mentor) error { return nil }); !errors.Is(err, flows.ErrNotFound) {
		t.Errorf("update of a removed mentor: %v; want ErrNotFound", err)
	}
}
