package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
)

// Write writes the script to a.Path and creates the log directory.
func (a *Array) Write() error {
	if err := os.MkdirAll(a.LogDir(), 0o755); err != nil {
		return fmt.Errorf("sweep: creating the log directory: %w", err)
	}
	if err := atomicfile.WriteFile(a.Path, []byte(a.Script), 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}

// Submission is a submitted sweep: its array jobs (one per group) and
// its report job.
type Submission struct {
	ArrayIDs []string
	ReportID string
	At       time.Time
	// Tasks is the number of array tasks.
	Tasks int
}

// sbatch runs sbatch with args and returns the job id it prints
// (--parsable: "<id>" or "<id>;<cluster>").
func sbatch(c context.Context, args []string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(c, "sbatch", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("sweep: sbatch %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";")
	if id == "" {
		return "", fmt.Errorf("sweep: sbatch %s printed no job id (stderr: %s)", strings.Join(args, " "), strings.TrimSpace(errb.String()))
	}
	return id, nil
}

// Submit writes the script and submits each group of tasks, then the
// report job depending on them; it logs each submission to log.
func (a *Array) Submit(c context.Context, log io.Writer) (*Submission, error) {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return nil, fmt.Errorf("sweep: sbatch is not on PATH (%v): run this on a Slurm login node, or use --dry-run to print the script", err)
	}
	if err := a.Write(); err != nil {
		return nil, err
	}
	s := &Submission{At: time.Now(), Tasks: len(a.Tasks)}
	for _, g := range a.Groups {
		id, err := sbatch(c, a.ArrayArgs(g))
		if err != nil {
			return s, err
		}
		s.ArrayIDs = append(s.ArrayIDs, id)
		if log != nil {
			fmt.Fprintf(log, "submitted array job %s: tasks %d-%d of %s (time limit %s, memory %s each)\n",
				id, g.First, g.Last, a.Path, SlurmDuration(g.Time), slurmMemory(g.Memory))
		}
	}
	id, err := sbatch(c, a.ReportArgs(s.ArrayIDs))
	if err != nil {
		return s, err
	}
	s.ReportID = id
	if log != nil {
		after := "at once (every run is in the store)"
		if len(s.ArrayIDs) > 0 {
			after = "after array job(s) " + strings.Join(s.ArrayIDs, ", ") + " succeed"
		}
		fmt.Fprintf(log, "submitted report job %s, %s: %s in %s\n", id, after, ReportFile, a.opt.Out)
		fmt.Fprintf(log, "logs: %s\n", a.LogDir())
	}
	return s, nil
}

// ReportFile is the report the report job writes into Out.
const ReportFile = "report.html"

// Queue is what squeue shows of a submission.
type Queue struct {
	// Running and Pending count the array tasks in those states (pending
	// includes requeued tasks waiting to start again).
	Running, Pending int
	// Report is the report job's state ("" once it has left the queue).
	Report string
}

// squeueLine is one line of `squeue -h -r -o %i|%T`.
var squeueLine = regexp.MustCompile(`^(\d+)(?:_(\d+|\[[^\]]*\]))?\|(\S+)$`)

// Poll asks squeue for the state of the submission's jobs.
func (s *Submission) Poll(c context.Context) (Queue, error) {
	var q Queue
	ids := append(append([]string{}, s.ArrayIDs...), s.ReportID)
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(c, "squeue", "-h", "-r", "-o", "%i|%T", "-j", strings.Join(ids, ","))
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if strings.Contains(errb.String(), "Invalid job id") {
			return q, nil // every job has left the queue and been purged
		}
		return q, fmt.Errorf("sweep: squeue: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		m := squeueLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		id, state := m[1], m[3]
		if id == s.ReportID {
			q.Report = state
			continue
		}
		n := 1
		if strings.HasPrefix(m[2], "[") { // a pending range not yet split into tasks
			n = countRange(strings.Trim(m[2], "[]"))
		}
		switch state {
		case "RUNNING", "COMPLETING", "CONFIGURING", "STAGE_OUT":
			q.Running += n
		case "PENDING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SUSPENDED":
			q.Pending += n
		}
	}
	return q, nil
}

// countRange counts the tasks of an array range "0-3,5,7-9%2".
func countRange(r string) int {
	r, _, _ = strings.Cut(r, "%")
	n := 0
	for _, part := range strings.Split(r, ",") {
		var a, b int
		if k, _ := fmt.Sscanf(part, "%d-%d", &a, &b); k == 2 {
			n += b - a + 1
		} else {
			n++
		}
	}
	return n
}

// JobState returns the final state and exit code of a job that has left
// the queue, from sacct when accounting is on, else from scontrol (which
// knows a job until MinJobAge after its end); "" when neither knows it.
// For an array job it is the state of a task that did not complete, if
// any.
func JobState(c context.Context, id string) (state, exit string) {
	var states, exits []string
	if out, err := exec.CommandContext(c, "sacct", "-n", "-P", "-X", "-j", id, "-o", "State,ExitCode").Output(); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Split(line, "|"); len(f) == 2 && f[0] != "" {
				st, _, _ := strings.Cut(f[0], " ")
				states, exits = append(states, st), append(exits, f[1])
			}
		}
	}
	if len(states) == 0 {
		out, err := exec.CommandContext(c, "scontrol", "-o", "show", "job", id).Output()
		if err != nil {
			return "", ""
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if st := field(line, "JobState"); st != "" {
				states, exits = append(states, st), append(exits, field(line, "ExitCode"))
			}
		}
	}
	for i, st := range states {
		if st != "COMPLETED" {
			return st, exits[i]
		}
	}
	if len(states) == 0 {
		return "", ""
	}
	return states[0], exits[0]
}

// field returns the value of key=value in a line of scontrol -o output.
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// ErrSweepFailed is wrapped by Wait's error when a job of the sweep did not
// succeed.
var ErrSweepFailed = errors.New("the sweep did not succeed")

// Wait follows the submission until every job has left the queue,
// printing a progress line to log whenever the counts change (and every
// minute), polling every interval. It returns nil when the report job
// succeeded, an error wrapping ErrSweepFailed naming what failed
// otherwise, and the context's error when c ends first (the jobs keep
// running).
func (s *Submission) Wait(c context.Context, a *Array, interval time.Duration, log io.Writer) error {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	var last string
	lastAt := time.Time{}
	for {
		q, err := s.Poll(c)
		if err != nil {
			return err
		}
		done := s.Tasks - q.Running - q.Pending
		report := q.Report
		if report == "" {
			report = "finished"
		}
		line := fmt.Sprintf("sweep: %d of %d tasks done, %d running, %d pending; report job %s", done, s.Tasks, q.Running, q.Pending, strings.ToLower(report))
		if log != nil && (line != last || time.Since(lastAt) >= time.Minute) {
			fmt.Fprintf(log, "%s (%s)\n", line, time.Since(s.At).Round(time.Second))
			last, lastAt = line, time.Now()
		}
		if q.Running == 0 && q.Pending == 0 && q.Report == "" {
			break
		}
		select {
		case <-c.Done():
			return fmt.Errorf("sweep: stopped following the jobs (%w); they keep running: squeue -j %s", c.Err(),
				strings.Join(append(append([]string{}, s.ArrayIDs...), s.ReportID), ","))
		case <-time.After(interval):
		}
	}
	state, exit := JobState(c, s.ReportID)
	if state == "COMPLETED" {
		return nil
	}
	report := filepath.Join(a.opt.Out, ReportFile)
	if state == "" {
		// The job is no longer known: the report file tells.
		if st, err := os.Stat(report); err == nil && st.ModTime().After(s.At) {
			return nil
		}
		return fmt.Errorf("sweep: %w: report job %s is gone without writing %s; see the logs in %s", ErrSweepFailed, s.ReportID, report, a.LogDir())
	}
	var failed []string
	for _, id := range s.ArrayIDs {
		if st, code := JobState(c, id); st != "" && st != "COMPLETED" {
			failed = append(failed, fmt.Sprintf("array job %s %s (exit %s)", id, st, code))
		}
	}
	why := fmt.Sprintf("report job %s %s (exit %s)", s.ReportID, state, exit)
	if len(failed) > 0 {
		why = strings.Join(failed, "; ") + "; " + why
	}
	return fmt.Errorf("sweep: %w: %s; see the logs in %s, then run deepnrc sweep slurm again: it submits only the runs not yet stored",
		ErrSweepFailed, why, a.LogDir())
}
