package main

import (
	"context"
	"fmt"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/officehours"
)

// seedDemo gives the console's throwaway hub two mentors with slots over
// the next working days, so a newcomer can apply and then try /book.
// It runs only on the embedded, in-memory Redis.
func seedDemo(ctx context.Context, oh *officehours.OfficeHours, now time.Time, tz *time.Location) error {
	mentors := []flows.Mentor{
		{Name: "Karim Benali", Tags: []string{"fundraising", "fintech", "smart_cities"}, Languages: []string{"fr", "ar"}, WeeklyCap: 4,
			Bio: "Angel investor, 12 years in Moroccan fintech."},
		{Name: "Nadia El Amrani", Tags: []string{"product", "tech", "mobility"}, Languages: []string{"fr", "en"}, WeeklyCap: 3,
			Bio: "Former head of product at a Casablanca mobility startup."},
	}
	day := time.Date(now.In(tz).Year(), now.In(tz).Month(), now.In(tz).Day(), 0, 0, 0, 0, tz)
	for i, m := range mentors {
		m, err := oh.AddMentor(ctx, m)
		if err != nil {
			return fmt.Errorf("demo mentor %s: %w", m.Name, err)
		}
		added := 0
		for d := 1; added < 3 && d < 10; d++ {
			start := day.AddDate(0, 0, d).Add(time.Duration(10+4*i) * time.Hour)
			if wd := start.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			req := officehours.SlotsRequest{Mentor: string(m.ID), Start: start, End: start.Add(2 * time.Hour), Every: 30 * time.Minute,
				Place: flows.Place{Room: "Atlas"}}
			if _, _, err := oh.AddSlots(ctx, req); err != nil {
				return fmt.Errorf("demo slots for %s: %w", m.Name, err)
			}
			added++
		}
	}
	return nil
}
