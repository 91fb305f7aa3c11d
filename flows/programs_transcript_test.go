package flows_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
	"github.com/startgate/founderbot/store/storetest"
)

// TestProgramTranscripts plays testdata/programs/*.txt with the programs
// of flows/application/testdata/programs.toml (times in UTC): incubation
// open until 2026-12-15 18:00 with a next call in February, acceleration
// (every kind of question) open until 2026-11-28 18:00, alumni closed.
func TestProgramTranscripts(t *testing.T) {
	data, err := os.ReadFile("application/testdata/programs.toml")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := application.ParsePrograms("programs.toml", data, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/programs/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			tr := &transcript{t: t, env: storetest.New(t), now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
				founder: "tg:1", buttons: map[flows.FounderID]map[string]string{}, programs: ps}
			tr.eng = newEngine(tr)
			runScript(t, file, "TestProgramTranscripts", tr.step)
		})
	}
}
