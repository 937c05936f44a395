package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// EnvSlurmTest turns on TestSweepOnSlurm (make test-slurm sets it).
const EnvSlurmTest = "DEEPNRC_SLURM"

// slurmCluster is a one-node Slurm cluster on localhost: its own munged,
// slurmctld and slurmd, with their configuration, state and logs in one
// temporary directory.
type slurmCluster struct {
	dir, conf string
	env       []string
	daemons   []*exec.Cmd
}

// freePort returns a TCP port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startSlurm starts the cluster; t.Cleanup cancels its jobs and stops the
// daemons.
func startSlurm(t *testing.T) *slurmCluster {
	t.Helper()
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s not found (%v): install Debian's slurm-wlm and munge (make deps, or scripts/install-deps.sh)", bin, err)
		}
	}
	if os.Geteuid() != 0 {
		t.Fatal("the Slurm test starts slurmd, which runs jobs as their users: run it as root (CI does)")
	}
	c := &slurmCluster{dir: t.TempDir()}
	for _, d := range []string{"state", "spool", "log", "run"} {
		if err := os.MkdirAll(filepath.Join(c.dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 1024)
	rand.Read(key)
	keyFile := filepath.Join(c.dir, "munge.key")
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(c.dir, "run", "munge.socket")
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ = strings.Cut(host, ".")
	cpus := max(2, runtime.NumCPU())
	c.conf = filepath.Join(c.dir, "slurm.conf")
	d := c.dir
	conf := fmt.Sprintf(`# A one-node cluster for deepnrc's Slurm test.
ClusterName=deepnrctest
SlurmctldHost=%[1]s(127.0.0.1)
SlurmctldPort=%[2]d
SlurmdPort=%[3]d
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=%[4]s,cred_expire=5
SlurmUser=root
SlurmdUser=root
StateSaveLocation=%[5]s/state
SlurmdSpoolDir=%[5]s/spool
SlurmctldPidFile=%[5]s/run/slurmctld.pid
SlurmdPidFile=%[5]s/run/slurmd.pid
SlurmctldLogFile=%[5]s/log/slurmctld.log
SlurmdLogFile=%[5]s/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
# Schedule every 2 s, so that a requeued task starts again soon after its BeginTime.
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=3600
KillWait=5
# The node claims a cluster node's memory (config_overrides keeps it up
# although this machine has less), so that sbatch --test-only accepts the
# paper-scale script's requests; the test's own jobs need little.
SlurmdParameters=config_overrides
NodeName=%[1]s NodeAddr=127.0.0.1 CPUs=%[6]d RealMemory=262144 State=UNKNOWN
PartitionName=test Nodes=%[1]s Default=YES MaxTime=INFINITE State=UP
`, host, freePort(t), freePort(t), sock, d, cpus)
	if err := os.WriteFile(c.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env = append(os.Environ(), "SLURM_CONF="+c.conf)
	t.Cleanup(func() { c.stop(t) })
	c.start(t, "munged", "--foreground", "--force", "--key-file="+keyFile, "--socket="+sock,
		"--pid-file="+filepath.Join(d, "run", "munged.pid"), "--log-file="+filepath.Join(d, "log", "munged.log"),
		"--seed-file="+filepath.Join(d, "run", "munged.seed"))
	waitFor(t, 20*time.Second, "munged's socket", func() bool { _, err := os.Stat(sock); return err == nil })
	c.start(t, "slurmctld", "-D", "-f", c.conf)
	c.start(t, "slurmd", "-D", "-f", c.conf)
	waitFor(t, 60*time.Second, "the node to be idle", func() bool {
		out, _ := c.command("sinfo", "-h", "-o", "%T").Output()
		return strings.TrimSpace(string(out)) == "idle"
	})
	return c
}

// start runs a daemon in the foreground, logging to the cluster's log
// directory.
func (c *slurmCluster) start(t *testing.T, name string, args ...string) {
	t.Helper()
	log, err := os.Create(filepath.Join(c.dir, "log", name+".out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = c.env, log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	c.daemons = append(c.daemons, cmd)
}

// stop cancels every job and stops the daemons (last started first).
func (c *slurmCluster) stop(t *testing.T) {
	if out, err := c.command("squeue", "-h", "-o", "%i").Output(); err == nil && len(bytes.TrimSpace(out)) > 0 {
		c.command("scancel", strings.Fields(string(out))...).Run()
		time.Sleep(2 * time.Second)
	}
	for i := len(c.daemons) - 1; i >= 0; i-- {
		d := c.daemons[i]
		d.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { d.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			d.Process.Kill()
			<-done
		}
	}
	if t.Failed() {
		for _, f := range []string{"slurmctld.log", "slurmd.log"} {
			if b, err := os.ReadFile(filepath.Join(c.dir, "log", f)); err == nil {
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				t.Logf("last lines of %s:\n%s", f, strings.Join(lines[max(0, len(lines)-15):], "\n"))
			}
		}
	}
}

// command returns a Slurm client command aimed at the cluster.
func (c *slurmCluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = c.env
	return cmd
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// buildDeepnrc builds the command into dir.
func buildDeepnrc(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "deepnrc")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// figureRecords returns the raw "records" of a figure JSON.
func figureRecords(t *testing.T, path string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Records json.RawMessage `json:"records"`
		Runs    []struct {
			Name   string `json:"name"`
			Key    string `json:"key"`
			Cached bool   `json:"cached"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Records) < 100 {
		t.Fatalf("%s has almost no records: %s", path, f.Records)
	}
	return f.Records
}

// taskAttempt is one run of an array task, read from its log.
type taskAttempt struct {
	task       string
	restart    int
	start, end time.Time
	exit       string
}

var (
	attemptStart = regexp.MustCompile(`deepnrc sweep: task (\S+) \(restart (\d+)\) on \S+ at (\S+): run`)
	attemptEnd   = regexp.MustCompile(`deepnrc sweep: task (\S+) exit status (\d+) at (\S+)`)
)

// attempts parses the task logs in dir.
func attempts(t *testing.T, logs []string) []taskAttempt {
	t.Helper()
	var out []taskAttempt
	for _, path := range logs {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var cur *taskAttempt
		for _, line := range strings.Split(string(b), "\n") {
			if m := attemptStart.FindStringSubmatch(line); m != nil {
				at, err := time.Parse(time.RFC3339Nano, m[3])
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				out = append(out, taskAttempt{task: m[1], start: at})
				fmt.Sscan(m[2], &out[len(out)-1].restart)
				cur = &out[len(out)-1]
			}
			if m := attemptEnd.FindStringSubmatch(line); m != nil && cur != nil {
				cur.end, _ = time.Parse(time.RFC3339Nano, m[3])
				cur.exit = m[2]
			}
		}
	}
	return out
}

// TestSweepOnSlurm submits a smoke-scale sweep of two figures to a real
// one-node Slurm, with one task killed (SIGKILL) and one told to stop (as
// near its time limit) after their first checkpoint, and checks that the
// requeued tasks resume from their checkpoints, that two tasks ran at once
// and that the report's records are those of a local reproduction. Then
// the paper-scale script must pass sbatch --test-only.
func TestSweepOnSlurm(t *testing.T) {
	if os.Getenv(EnvSlurmTest) == "" {
		t.Skipf("set %s=1 (make test-slurm) to run the sweep on a real Slurm started here", EnvSlurmTest)
	}
	start := time.Now()
	c := startSlurm(t)
	t.Logf("Slurm up in %s (%s)", time.Since(start).Round(time.Millisecond), c.conf)
	work := t.TempDir()
	bin := buildDeepnrc(t, work)
	figs := []string{"fig2", "fig9"}
	run := func(timeout time.Duration, env []string, args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(append([]string{}, c.env...), env...)
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if ctx.Err() != nil {
			err = fmt.Errorf("timed out after %v: %w", timeout, ctx.Err())
		}
		return o.String(), e.String(), err
	}

	// The same figures reproduced locally, in one process.
	local := filepath.Join(work, "local")
	if _, e, err := run(3*time.Minute, nil, append([]string{"reproduce", "--scale", "smoke", "--quiet",
		"--store", filepath.Join(work, "local-store"), "--out", local}, figs...)...); err != nil {
		t.Fatalf("local reproduce: %v\n%s", err, e)
	}

	// The plan: at least four runs, none stored yet.
	store, out := filepath.Join(work, "store"), filepath.Join(work, "out")
	o, e, err := run(time.Minute, nil, append([]string{"sweep", "plan", "--scale", "smoke", "--store", store, "--json", "--gflops", "5"}, figs...)...)
	if err != nil {
		t.Fatalf("sweep plan: %v\n%s", err, e)
	}
	var plan struct {
		Runs []struct {
			Key, Ref string
			Stored   bool
		}
	}
	if err := json.Unmarshal([]byte(o), &plan); err != nil {
		t.Fatalf("sweep plan --json: %v\n%s", err, o)
	}
	if len(plan.Runs) < 4 {
		t.Fatalf("the sweep has %d runs, want at least 4", len(plan.Runs))
	}
	killed, warned := plan.Runs[1], plan.Runs[2]

	// The sweep on Slurm, followed to its end.
	stop := envTestStop + "=kill:" + killed.Key + ",warn:" + warned.Key
	submitted := time.Now()
	o, e, err = run(4*time.Minute, []string{stop}, append([]string{"sweep", "slurm", "--scale", "smoke", "--store", store, "--out", out,
		"--cpus-per-run", "1", "--wait", "--poll", "1s"}, figs...)...)
	t.Logf("deepnrc sweep slurm --wait (%s):\n%s%s", time.Since(submitted).Round(time.Second), o, e)
	if err != nil {
		t.Fatalf("sweep slurm: %v", err)
	}
	for _, want := range []string{"submitted array job ", "submitted report job ", "report: " + filepath.Join(out, "report.html")} {
		if !strings.Contains(o, want) {
			t.Errorf("sweep slurm output lacks %q", want)
		}
	}

	// The report's records are the local reproduction's, value for value.
	for _, f := range figs {
		got, want := figureRecords(t, filepath.Join(out, f+".json")), figureRecords(t, filepath.Join(local, f+".json"))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the sweep's records differ from the local reproduction's (%d and %d bytes)", f, len(got), len(want))
		}
	}

	// The task logs: every task ended with status 0; the killed and the
	// warned tasks ran again and resumed from their checkpoints.
	logs, _ := filepath.Glob(filepath.Join(out, "slurm", "logs", "deepnrc-smoke-[0-9]*_*.out"))
	if len(logs) != len(plan.Runs) {
		t.Fatalf("%d task logs for %d runs: %v", len(logs), len(plan.Runs), logs)
	}
	for _, s := range []struct {
		key, how string
		exit     string
	}{{killed.Key, "kill", "137"}, {warned.Key, "warn", fmt.Sprint(75)}} {
		var log string
		for _, path := range logs {
			b, _ := os.ReadFile(path)
			if strings.Contains(string(b), "key "+s.key) {
				log = string(b)
			}
		}
		for _, want := range []string{envTestStop + "=" + s.how + ": stopping after the checkpoint of epoch",
			"exit status " + s.exit + " at", "requeueing task", "(restart 1)", "resumed from epoch"} {
			if !strings.Contains(log, want) {
				t.Errorf("the log of the %s task (key %s) lacks %q:\n%s", s.how, s.key, want, log)
			}
		}
		if m := regexp.MustCompile(`resumed from epoch (\d+) and trained`).FindStringSubmatch(log); m == nil || m[1] == "0" {
			t.Errorf("the %s task did not resume from a checkpoint", s.how)
		}
		t.Logf("the log of the task told %q:\n%s", s.how, log)
	}
	// Two tasks at once: the killed and the warned tasks each stay mid-run
	// for two seconds, and the two CPUs of the node let them overlap.
	as := attempts(t, logs)
	overlap := false
	for i := range as {
		if as[i].end.IsZero() {
			t.Errorf("task %s (restart %d) has no end in its log", as[i].task, as[i].restart)
		}
		for j := range as {
			if i != j && as[i].task != as[j].task && as[j].start.Before(as[i].end) && as[i].start.Before(as[j].end) {
				overlap = true
			}
		}
	}
	if !overlap {
		t.Errorf("no two tasks ran at once: %+v", as)
	}
	final := map[string]string{}
	for _, a := range as {
		final[a.task] = a.exit
	}
	for task, exit := range final {
		if exit != "0" {
			t.Errorf("task %s ended with status %s", task, exit)
		}
	}
	reportLogs, _ := filepath.Glob(filepath.Join(out, "slurm", "logs", "deepnrc-smoke-report-*.out"))
	if len(reportLogs) != 1 {
		t.Errorf("report job logs: %v", reportLogs)
	}
	// No lock is left behind.
	locks, _ := filepath.Glob(filepath.Join(store, "runs", "*", "train.lock"))
	if len(locks) > 0 {
		t.Errorf("run locks left in the store: %v", locks)
	}
	t.Logf("%d task attempts; the sweep took %s from submission", len(as), time.Since(submitted).Round(time.Second))

	// A task that fails: the report job is cancelled, and --wait says
	// which job failed and exits non-zero.
	failOut := filepath.Join(work, "out-fail")
	o, e, err = run(2*time.Minute, []string{envTestStop + "=fail:" + plan.Runs[0].Key}, "sweep", "slurm", "--scale", "smoke",
		"--store", filepath.Join(work, "store-fail"), "--out", failOut, "--cpus-per-run", "1", "--wait", "--poll", "1s", "fig2")
	t.Logf("a sweep with a failing task:\n%s%s", o, e)
	if err == nil {
		t.Error("sweep slurm --wait exited 0 although a task failed")
	}
	for _, want := range []string{"the sweep did not succeed", "FAILED (exit 1:0)", "CANCELLED"} {
		if !strings.Contains(e, want) {
			t.Errorf("the failure lacks %q", want)
		}
	}
	if _, err := os.Stat(filepath.Join(failOut, "report.html")); err == nil {
		t.Error("a report was written although a run failed")
	}

	// The paper-scale script passes sbatch --test-only.
	o, e, err = run(2*time.Minute, nil, "sweep", "slurm", "--scale", "paper", "--dry-run", "--store", store, "--out",
		filepath.Join(work, "paper"), "--cpus-per-run", "2", "--gflops", "8")
	if err != nil {
		t.Fatalf("sweep slurm --dry-run --scale paper: %v\n%s", err, e)
	}
	script := filepath.Join(work, "paper.sbatch")
	if err := os.WriteFile(script, []byte(o), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n on the paper script: %v\n%s", err, b)
	}
	m := regexp.MustCompile(`(?m)^#SBATCH --array=0-(\d+)$`).FindStringSubmatch(o)
	var paperPlan struct{ Runs []struct{ Key string } }
	po, pe, err := run(2*time.Minute, nil, "sweep", "plan", "--scale", "paper", "--store", store, "--json", "--gflops", "8")
	if err != nil {
		t.Fatalf("sweep plan --scale paper: %v\n%s", err, pe)
	}
	json.Unmarshal([]byte(po), &paperPlan)
	if m == nil || m[1] != fmt.Sprint(len(paperPlan.Runs)-1) {
		t.Errorf("the paper script's array (%v) does not have one task per paper run (%d)", m, len(paperPlan.Runs))
	}
	cmd := c.command("sbatch", "--test-only", script)
	b, err := cmd.CombinedOutput()
	t.Logf("sbatch --test-only on the paper script (%d tasks):\n%s", len(paperPlan.Runs), b)
	if err != nil || !strings.Contains(string(b), "to start at") {
		t.Fatalf("sbatch --test-only refused the paper script: %v", err)
	}
	if !slices.Contains(strings.Fields(e), "--dependency=afterok:J1") && !strings.Contains(e, "--dependency=afterok:J1") {
		t.Errorf("the dry run does not show the dependent report job:\n%s", e)
	}
	t.Logf("the whole test took %s", time.Since(start).Round(time.Second))
}
