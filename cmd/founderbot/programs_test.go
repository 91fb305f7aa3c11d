package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const programsExample = "../../flows/application/testdata/programs.toml"

func TestCheckPrograms(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-check-programs", programsExample}, env(nil), strings.NewReader(""), &out, &bytes.Buffer{})
	if !errors.Is(err, errHelp) {
		t.Fatalf("run -check-programs = %v; want the file valid", err)
	}
	for _, want := range []string{"incubation (Incubation)", "  2026-q4: 2026-11-20 09:00 to 2026-11-28 18:00, 8 questions", "programs.toml: ok"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.toml")
	data, _ := os.ReadFile(programsExample)
	os.WriteFile(bad, bytes.Replace(data, []byte(`kind = "yesno"`), []byte(`kind = "maybe"`), 1), 0o600)
	out.Reset()
	err = run(context.Background(), []string{"-check-programs", bad}, env(nil), strings.NewReader(""), &out, &bytes.Buffer{})
	want := `bad.toml: program "acceleration", call "2026-q4", question "incorporated": unknown kind "maybe"`
	if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("run -check-programs bad file = %v; want one line with %s", err, want)
	}

	// The same problem in PROGRAMS_FILE stops the bot before it starts.
	err = run(context.Background(), nil, env(map[string]string{"PROGRAMS_FILE": bad}), strings.NewReader(""), &out, &bytes.Buffer{})
	var usage *errUsage
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), want) {
		t.Errorf("PROGRAMS_FILE bad file: err = %v; want a usage error with %s", err, want)
	}
	cfg, err := loadConfig(nil, env(map[string]string{"PROGRAMS_FILE": programsExample}), &bytes.Buffer{})
	if err != nil || cfg.programs == nil || len(cfg.programs.List) != 3 {
		t.Errorf("PROGRAMS_FILE example: %v, %+v", err, cfg)
	}
}

// TestREADMEProgramsExample: the README's example programs file is valid
// and has the two programs it says.
func TestREADMEProgramsExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "A complete file with two programs:\n\n```toml\n")
	example, _, ok2 := strings.Cut(rest, "\n```\n")
	if !ok || !ok2 {
		t.Fatal("README has no example programs file")
	}
	path := filepath.Join(t.TempDir(), "programs.toml")
	os.WriteFile(path, []byte(example), 0o600)
	var out bytes.Buffer
	err = run(context.Background(), []string{"-check-programs", path}, env(nil), strings.NewReader(""), &out, &bytes.Buffer{})
	if !errors.Is(err, errHelp) {
		t.Fatalf("README example: %v", err)
	}
	for _, want := range []string{"incubation (Incubation)\n  2027-spring: 2026-12-01 09:00 to 2027-01-15 18:00, 3 questions",
		"acceleration (Acceleration)\n  2027-q1: 2027-01-05 09:00 to 2027-02-15 18:00, 4 questions"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("README example: output lacks %q:\n%s", want, out.String())
		}
	}
}
