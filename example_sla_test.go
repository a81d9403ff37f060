package crm_test

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/crmkit/crm"
)

func ExampleBusinessCalendar_Add() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	cal, err := crm.NewBusinessCalendar(berlin,
		crm.MondayToFriday(
			crm.WorkingHours{From: 9 * time.Hour, To: 12*time.Hour + 30*time.Minute},
			crm.WorkingHours{From: 13*time.Hour + 30*time.Minute, To: 17 * time.Hour},
		),
		time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC), // Christmas Day
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	received := time.Date(2026, 12, 24, 16, 0, 0, 0, berlin) // Thursday afternoon
	due := cal.Add(received, 4*time.Hour)
	fmt.Println(due.Format("Mon 2006-01-02 15:04 MST"))
	fmt.Println(cal.WorkingTime(received, due))
	fmt.Println(cal.IsOpen(time.Date(2026, 12, 25, 10, 0, 0, 0, berlin)))
	// Output:
	// Mon 2026-12-28 12:00 CET
	// 4h0m0s
	// false
}

func ExampleSLAClock_State() {
	cal, err := crm.NewBusinessCalendar(time.UTC, crm.MondayToFriday(crm.WorkingHours{From: 9 * time.Hour, To: 17 * time.Hour}))
	if err != nil {
		fmt.Println(err)
		return
	}
	at := func(day, hour, min int) time.Time { return time.Date(2026, 3, day, hour, min, 0, 0, time.UTC) }
	clock, err := crm.NewSLAClock(
		crm.SLAPolicy{Calendar: cal, Target: 4 * time.Hour, WarnFraction: 0.8}, // first response within 4 business hours
		crm.SLAEvent{At: at(6, 15, 0), Kind: crm.SLAStart},                     // Friday 15:00
		crm.SLAEvent{At: at(6, 16, 0), Kind: crm.SLAPause},                     // waiting on the customer
		crm.SLAEvent{At: at(9, 10, 0), Kind: crm.SLAResume},                    // Monday 10:00
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, now := range []time.Time{at(7, 12, 0), at(9, 12, 30), at(9, 14, 0)} {
		s := clock.State(now)
		due := "none while paused"
		if !s.Due.IsZero() {
			due = s.Due.Format("Mon 15:04")
		}
		fmt.Printf("%s elapsed=%s remaining=%s running=%t warning=%t breached=%t due=%s\n",
			now.Format("Mon 15:04"), s.Elapsed, s.Remaining, s.Running, s.Warning, s.Breached, due)
	}
	// Output:
	// Sat 12:00 elapsed=1h0m0s remaining=3h0m0s running=false warning=false breached=false due=none while paused
	// Mon 12:30 elapsed=3h30m0s remaining=30m0s running=true warning=true breached=false due=Mon 13:00
	// Mon 14:00 elapsed=5h0m0s remaining=0s running=true warning=false breached=true due=Mon 13:00
}
