package main

import (
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

func TestParseOfficeHoursEnv(t *testing.T) {
	casablanca := hubTZ(t)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := parseOfficeHoursEnv(env(nil), "StartGate", casablanca)
	if err != nil {
		t.Fatal(err)
	}
	def := officehours.New(nil, nil, nil, cfg, nil).Config()
	want := flows.BookingRules{Window: 14 * 24 * time.Hour, MaxUpcoming: 2, CancelCutoff: 12 * time.Hour, MaxReschedules: 2,
		MaxBookingsPerWeek: 4, MaxCancelsPerWeek: 3}
	if def.Rules != want || def.OpenTo != officehours.OpenToApplicants || def.OfferTTL != 30*time.Minute || def.TZ != casablanca {
		t.Errorf("defaults = %+v; want %+v, applicants, 30m offers", def, want)
	}
	cfg, err = parseOfficeHoursEnv(env(map[string]string{"MAX_UPCOMING_BOOKINGS": "3", "MAX_RESCHEDULES": "0",
		"CANCEL_CUTOFF": "24h", "BOOKING_WINDOW_DAYS": "21", "BOOKING_OPEN_TO": "Accepted",
		"MAX_BOOKINGS_PER_WEEK": "6", "MAX_CANCELS_PER_WEEK": "1"}), "StartGate", casablanca)
	if err != nil {
		t.Fatal(err)
	}
	got := officehours.New(nil, nil, nil, cfg, nil).Config()
	want = flows.BookingRules{Window: 21 * 24 * time.Hour, MaxUpcoming: 3, CancelCutoff: 24 * time.Hour, MaxReschedules: 0,
		MaxBookingsPerWeek: 6, MaxCancelsPerWeek: 1}
	if got.Rules != want || got.OpenTo != officehours.OpenToAccepted {
		t.Errorf("settings = %+v; want %+v, accepted", got, want)
	}
	for _, bad := range []map[string]string{{"MAX_UPCOMING_BOOKINGS": "0"}, {"MAX_RESCHEDULES": "two"},
		{"CANCEL_CUTOFF": "12"}, {"BOOKING_WINDOW_DAYS": "0"}, {"BOOKING_OPEN_TO": "everyone"},
		{"MAX_BOOKINGS_PER_WEEK": "0"}, {"MAX_CANCELS_PER_WEEK": "many"}} {
		if _, err := parseOfficeHoursEnv(env(bad), "StartGate", casablanca); err == nil {
			t.Errorf("parseOfficeHoursEnv(%v) accepted it", bad)
		}
	}
}

func hubTZ(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Africa/Casablanca")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
