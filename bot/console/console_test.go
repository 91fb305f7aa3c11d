package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/console"
	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

func newEngine(t *testing.T) (*flows.Engine, *storetest.Env) {
	t.Helper()
	env := storetest.New(t)
	cat, err := flows.NewCatalog("fr", application.Messages())
	if err != nil {
		t.Fatal(err)
	}
	eng := flows.NewEngine(env.Store, cat, flows.Config{Hub: "StartGate"}, slog.New(slog.DiscardHandler))
	if err := eng.Register(application.NewForm(env.Store, application.FormConfig{}).Conversation()); err != nil {
		t.Fatal(err)
	}
	return eng, env
}

// TestConsoleApplication completes an application typing numbers for the
// buttons, as a newcomer would.
func TestConsoleApplication(t *testing.T) {
	eng, env := newEngine(t)
	in := strings.Join([]string{
		"1",           // [1] Candidater on the welcome menu
		"<b>Acme</b>", // startup
		"Salma Benali",
		"salma@acme.ma",
		"#1", // Passer: the phone question takes text, so "#"
		"Casablanca, Maroc",
		"1", // Villes intelligentes: a choice-only question takes a bare number
		"2", // Prototype / MVP
		"3", // team size: a number typed, not button 3
		"Des capteurs qui réduisent les embouteillages.",
		"#1", // Passer
		"1",  // Envoyer
		"/status",
	}, "\n") + "\n"
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := console.New(eng, strings.NewReader(in), &out).Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"[1] 📝 Candidater",
		"[#1] ⏭ Passer",
		"Startup : <b>Acme</b>", // plain text: the founder's markup shows as typed
		"Secteur : Villes intelligentes",
		"Stade : Prototype / MVP",
		"Taille de l'équipe : 3",
		"Candidature A-",
		"envoyée, en attente d'examen",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "&lt;") || strings.Contains(got, "<i>") {
		t.Errorf("console shows markup:\n%s", got)
	}
	apps, err := env.Store.Applications(context.Background(), console.Founder)
	if err != nil || len(apps) != 1 || apps[0].Answers["team"] != "3" || apps[0].Answers["stage"] != "mvp" {
		t.Errorf("stored = %+v, %v", apps, err)
	}
}

// TestConsoleStopsWithContext: Run returns when ctx ends even while it
// waits for a line.
func TestConsoleStopsWithContext(t *testing.T) {
	eng, _ := newEngine(t)
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out bytes.Buffer
	go func() { done <- console.New(eng, r, &out).Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
