package slack

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"unicode"

	"github.com/startgate/founderbot/flows"
)

// formulaStarts are the characters a spreadsheet treats as the start of
// a formula when a cell begins with them, including their full-width and
// small forms, which some locales' spreadsheets accept too.
const formulaStarts = "=+-@＝＋－＠﹦﹢﹣﹫"

// cellBreaks are the characters a spreadsheet may split cells or rows
// on, depending on its locale and import settings.
const cellBreaks = ",;\t\n\r，；\""

// TestExportNoFormulaAnywhere checks the review's finding: a formula
// hidden after a separator (`Acme;=1+1;`) reached a French-locale
// spreadsheet, which splits on `;`, as a live formula. Whatever character
// a spreadsheet splits on, no resulting cell may start with a trigger.
func TestExportNoFormulaAnywhere(t *testing.T) {
	hostile := []string{
		"Acme;=1+1;",
		"Acme,=HYPERLINK(\"http://evil.example\")",
		"a\t+cmd|' /C calc'!A0",
		"line one\n@SUM(1+1)",
		"line one\r\n-2+3",
		"Acme; =1+1",
		"Acme；＝1+1",
		"Acme，＋1",
		"＠me",
		"－1",
		"a\";\"=1+1",
		"'=1+1",
	}
	e := newEnv(t)
	e.seed(len(hostile), func(i int, a *flows.Application) {
		a.Answers["startup"] = hostile[i-1]
		a.Answers["pitch"] = hostile[len(hostile)-i]
	})
	e.answer(alice, "export")
	e.staff.Wait()
	f := e.slack.WaitFiles(t, 1, wait)[0]
	content, ok := bytes.CutPrefix(f.Content, []byte("\ufeff"))
	if !ok {
		t.Error("CSV lacks the UTF-8 byte order mark")
	}
	// A spreadsheet splitting on any of the breaks, quotes or not.
	pieces := strings.FieldsFunc(string(content), func(r rune) bool { return strings.ContainsRune(cellBreaks, r) })
	for _, p := range pieces {
		p = strings.TrimLeftFunc(p, unicode.IsSpace)
		if p != "" && strings.ContainsRune(formulaStarts, []rune(p)[0]) {
			t.Errorf("a spreadsheet splitting cells could see the formula %q", p)
		}
	}
	// A spreadsheet reading the file as CSV, with commas or semicolons.
	for _, sep := range []rune{',', ';'} {
		r := csv.NewReader(bytes.NewReader(content))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = sep, true, -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("CSV read with %q: %v", sep, err)
		}
		for _, row := range rows {
			for _, c := range row {
				c = strings.TrimLeftFunc(c, unicode.IsSpace)
				if c != "" && strings.ContainsRune(formulaStarts+"\t\r", []rune(c)[0]) {
					t.Errorf("with separator %q a cell starts a formula: %q", sep, c)
				}
			}
		}
	}
	// Read as intended, every value is there, with a quote before each trigger.
	rows, err := csv.NewReader(bytes.NewReader(content)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	got := map[string]bool{}
	for _, r := range rows[1:] {
		got[r[6]] = true
	}
	for _, want := range []string{"Acme;'=1+1;", "Acme；'＝1+1", "'＠me", "a\";\"'=1+1", "'=1+1"} {
		if !got[want] {
			t.Errorf("startup %q missing from the export; got %v", want, got)
		}
	}
}
