package application

import (
	"context"

	"github.com/startgate/founderbot/flows"
)

// Programs are the programs founders apply to.
func (r *Review) Programs() *Programs { return r.cfg.Programs }

// ListIn lists the applications to a program (all programs for ""),
// newest first, with status (all for ""), and how many match. The store
// indexes applications by status only: a program's are read and kept
// here, which a hub's few thousand applications afford.
func (r *Review) ListIn(ctx context.Context, program string, status flows.Status, skip, limit int) ([]flows.Application, int, error) {
	if program == "" {
		return r.store.ListApplications(ctx, status, skip, limit)
	}
	all, _, err := r.store.ListApplications(ctx, status, 0, 1<<30)
	if err != nil {
		return nil, 0, err
	}
	var match []flows.Application
	for _, a := range all {
		if a.ProgramOf() == program {
			match = append(match, a)
		}
	}
	if skip >= len(match) {
		return nil, len(match), nil
	}
	return match[skip:min(skip+limit, len(match))], len(match), nil
}

// ProgramName is a program's name in lang, plain text: the hub's name
// for the embedded default, the ID for a program no longer in the file.
func (r *Review) ProgramName(lang, id string) string {
	p := r.cfg.Programs.Program(id)
	switch {
	case p == nil && id == flows.DefaultProgram:
		return r.cfg.Hub
	case p == nil:
		return id
	case len(p.Name) == 0:
		return r.cfg.Hub
	}
	return p.Name[lang]
}

// ProgramCount is how many applications a program and each of its calls
// received.
type ProgramCount struct {
	Program  string
	Total    int
	ByStatus map[flows.Status]int
	Calls    []CallCount // the file's calls, in order, then calls no longer in it
}

// CallCount is how many applications one call received.
type CallCount struct {
	Call  string
	Total int
}

// ProgramCounts counts the applications by program and call: every
// program of the file, then the programs of older applications the
// file no longer has.
func (r *Review) ProgramCounts(ctx context.Context) ([]ProgramCount, error) {
	apps, _, err := r.store.ListApplications(ctx, "", 0, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []ProgramCount
	index := map[string]int{}
	add := func(program string) *ProgramCount {
		i, ok := index[program]
		if !ok {
			i = len(out)
			index[program] = i
			out = append(out, ProgramCount{Program: program, ByStatus: map[flows.Status]int{}})
			if p := r.cfg.Programs.Program(program); p != nil {
				for _, c := range p.Calls {
					out[i].Calls = append(out[i].Calls, CallCount{Call: c.ID})
				}
			}
		}
		return &out[i]
	}
	for _, p := range r.cfg.Programs.List {
		add(p.ID)
	}
	for _, a := range apps {
		pc := add(a.ProgramOf())
		pc.Total++
		pc.ByStatus[a.Status]++
		call := a.Call
		if call == "" && len(pc.Calls) == 1 {
			call = pc.Calls[0].Call // the default's only call, before programs
		}
		found := false
		for i := range pc.Calls {
			if pc.Calls[i].Call == call {
				pc.Calls[i].Total++
				found = true
			}
		}
		if !found {
			pc.Calls = append(pc.Calls, CallCount{Call: call, Total: 1})
		}
	}
	return out, nil
}
