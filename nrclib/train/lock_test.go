package train

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// envLockChild makes the test binary a lock contender (see lockChildMain):
// its value is "<run dir>|<log file>".
const envLockChild = "DEEPNRC_LOCK_TEST_CHILD"

// lockChildMain takes the run lock of a directory (waiting for it), logs
// "enter <pid>", holds it for a while, logs "leave <pid>" and releases it.
func lockChildMain(arg string) int {
	dir, logPath, _ := strings.Cut(arg, "|")
	s := &Store{Dir: filepath.Dir(dir), LockWait: time.Minute}
	for i := 0; i < 3; i++ {
		l, err := s.lockRun(dir, "k")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 5
		}
		appendLine(logPath, fmt.Sprintf("enter %d", os.Getpid()))
		time.Sleep(30 * time.Millisecond)
		appendLine(logPath, fmt.Sprintf("leave %d", os.Getpid()))
		l.release()
	}
	return 0
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	f.WriteString(line + "\n")
	f.Close()
}

// writeLock writes a lock file naming owner, with its mtime age ago.
func writeLock(t *testing.T, dir string, owner lockOwner, age time.Duration) string {
	t.Helper()
	path := filepath.Join(dir, lockFile)
	b, _ := json.Marshal(owner)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Now().Add(-age)
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
	return path
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if processAlive(pid) {
		t.Skipf("pid %d was reused at once", pid)
	}
	return pid
}

// Goroutines of one process contending for one run never hold its lock
// together, and every one of them gets it.
func TestRunLockExcludesGoroutines(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: dir, LockWait: 30 * time.Second}
	var inside, maxInside, got atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				l, err := s.lockRun(dir, "k")
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				got.Add(1)
				l.release()
			}
		}()
	}
	wg.Wait()
	if maxInside.Load() != 1 || got.Load() != 40 {
		t.Errorf("%d holders at once (want 1), %d of 40 acquisitions", maxInside.Load(), got.Load())
	}
	if _, err := os.Stat(filepath.Join(dir, lockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after the last release: %v", err)
	}
}

// Processes contending for one run take turns: the log of their critical
// sections never interleaves.
func TestRunLockExcludesProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "runs", "k")
	os.MkdirAll(dir, 0o755)
	logPath := filepath.Join(t.TempDir(), "log")
	var cmds []*exec.Cmd
	for i := 0; i < 4; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envLockChild+"="+dir+"|"+logPath)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("contender: %v", err)
		}
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var holder string
	pids := map[string]int{}
	lines := 0
	for sc.Scan() {
		what, pid, _ := strings.Cut(sc.Text(), " ")
		lines++
		switch {
		case what == "enter" && holder == "":
			holder = pid
			pids[pid]++
		case what == "leave" && holder == pid:
			holder = ""
		default:
			t.Fatalf("line %d %q while %q holds the lock: two processes held it at once", lines, sc.Text(), holder)
		}
	}
	if lines != 24 || len(pids) != 4 {
		t.Errorf("%d log lines from %d processes, want 24 from 4", lines, len(pids))
	}
}

// A lock left by a dead process of this machine is taken over at once,
// however fresh its heartbeat; one of a live process is not.
func TestRunLockRecoversFromDeadPID(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: dir}
	owner := thisProcess()
	owner.PID, owner.Token, owner.Since = deadPID(t), "dead", time.Now()
	writeLock(t, dir, owner, 0)
	l, err := s.lockRun(dir, "k")
	if err != nil {
		t.Fatalf("lock of a dead pid not recovered: %v", err)
	}
	if l.owner.Token == "dead" || l.verify() != nil {
		t.Fatal("the recovered lock does not name its new owner")
	}
	l.release()

	owner.PID, owner.Token = os.Getppid(), "alive"
	writeLock(t, dir, owner, time.Hour)
	_, err = s.lockRun(dir, "k")
	if !errors.Is(err, ErrRunLocked) {
		t.Fatalf("lock of a live pid of this machine, however old: err = %v, want ErrRunLocked", err)
	}
	for _, want := range []string{fmt.Sprintf("pid %d", owner.PID), "host " + owner.Host, lockFile, "wait for it to finish or stop it"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// A fresh lock of another machine is refused with a clear error, waited
// for when LockWait allows, and taken over once its heartbeat is stale.
func TestRunLockForeignOwner(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: dir, LockStale: time.Minute}
	other := lockOwner{Host: "node17", PID: 4242, BootID: "other-boot", Token: "foreign", Since: time.Now()}
	path := writeLock(t, dir, other, 5*time.Second)
	_, err := s.lockRun(dir, "k")
	if !errors.Is(err, ErrRunLocked) || !strings.Contains(err.Error(), "pid 4242 on host node17") ||
		!strings.Contains(err.Error(), "another process") {
		t.Fatalf("fresh foreign lock: err = %v", err)
	}

	// Waited for: the owner releases it after 200 ms.
	s.LockWait = 10 * time.Second
	go func() { time.Sleep(200 * time.Millisecond); os.Remove(path) }()
	start := time.Now()
	l, err := s.lockRun(dir, "k")
	if err != nil {
		t.Fatalf("waiting for a released lock: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("got the lock after %v, before its owner released it", d)
	}
	l.release()

	// Stale: no heartbeat for longer than LockStale.
	s.LockWait = 0
	writeLock(t, dir, other, 2*time.Minute)
	if l, err = s.lockRun(dir, "k"); err != nil {
		t.Fatalf("stale foreign lock not taken over: %v", err)
	}
	l.release()

	// An empty lock file (its writer died between create and write) is
	// stale after LockStale, fresh before.
	os.WriteFile(path, nil, 0o644)
	if _, err := s.lockRun(dir, "k"); !errors.Is(err, ErrRunLocked) {
		t.Fatalf("fresh empty lock: err = %v", err)
	}
	old := time.Now().Add(-2 * time.Minute)
	os.Chtimes(path, old, old)
	if l, err = s.lockRun(dir, "k"); err != nil {
		t.Fatalf("stale empty lock not taken over: %v", err)
	}
	l.release()
}

// The owner's heartbeat keeps its lock fresh, so a contender never takes
// it for stale; a lock taken over anyway is noticed by its old owner
// before it writes.
func TestRunLockHeartbeatAndLoss(t *testing.T) {
	dir := t.TempDir()
	s := &Store{Dir: dir, LockStale: 300 * time.Millisecond}
	l, err := s.lockRun(dir, "k")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // over three staleness periods
	st, err := readLock(l.path)
	if err != nil || time.Since(st.mtime) > 300*time.Millisecond {
		t.Fatalf("heartbeat: lock mtime %v old (%v)", time.Since(st.mtime), err)
	}
	// As seen from another machine (where the pid cannot be checked).
	st.owner.BootID = "elsewhere"
	if ok, _ := st.stale(s.LockStale); ok {
		t.Fatal("a lock with a live heartbeat is taken for stale")
	}
	if err := l.check(); err != nil {
		t.Fatalf("check of a held lock: %v", err)
	}
	thief := lockOwner{Host: "node3", PID: 1, BootID: "b", Token: "thief", Since: time.Now()}
	writeLock(t, dir, thief, 0)
	if err := l.check(); err == nil || !strings.Contains(err.Error(), "lost the run lock") || !strings.Contains(err.Error(), "node3") {
		t.Fatalf("check of a lock taken over: %v", err)
	}
	l.release()
	if st, err := readLock(l.path); err != nil || st.owner.Token != "thief" {
		t.Fatal("releasing a lost lock removed the new owner's lock")
	}
}

// Two contenders that found the same stale lock: the one that breaks it
// second must not remove the lock the first one has created since.
func TestBreakLockKeepsANewLock(t *testing.T) {
	dir := t.TempDir()
	stale := lockOwner{Host: "gone", PID: 9, BootID: "x", Token: "stale", Since: time.Now()}
	path := writeLock(t, dir, stale, time.Hour)
	seen, err := readLock(path)
	if err != nil {
		t.Fatal(err)
	}
	// The first contender breaks it and takes the lock.
	if err := breakLock(path, seen, time.Minute); err != nil {
		t.Fatal(err)
	}
	l, err := createLock(path, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer l.release()
	// The second acts on what it read before.
	if err := breakLock(path, seen, time.Minute); err != nil {
		t.Fatal(err)
	}
	if l.verify() != nil {
		t.Fatal("a second break of the same stale lock removed its successor")
	}
	if _, err := os.Stat(path + ".break"); !errors.Is(err, os.ErrNotExist) {
		t.Error("break file left behind")
	}
}

// Run refuses a run another live process trains, naming it, and trains it
// once that process is gone (its lock left behind with its dead pid).
func TestRunTakesOverTheLockOfADeadTrainer(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	key, _ := Key(&job)
	dir := st.RunDir(key)
	os.MkdirAll(dir, 0o755)
	owner := thisProcess()
	owner.PID, owner.Token, owner.Since = os.Getppid(), "live", time.Now()
	writeLock(t, dir, owner, 0)
	_, err = Run(t.Context(), job, Options{Backend: testBackend, Store: st})
	if !errors.Is(err, ErrRunLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(owner.PID)) {
		t.Fatalf("run locked by a live process: %v", err)
	}
	owner.PID, owner.Token = deadPID(t), "dead"
	writeLock(t, dir, owner, 0)
	res, err := Run(t.Context(), job, Options{Backend: testBackend, Store: st})
	if err != nil {
		t.Fatalf("run locked by a dead process: %v", err)
	}
	if res.Cached {
		t.Error("nothing was trained")
	}
	if _, err := os.Stat(filepath.Join(dir, lockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left after the run: %v", err)
	}
	// A finished run is read without the lock: a live lock (another
	// process reading or a stray file) does not stop it.
	owner.PID, owner.Token = os.Getppid(), "live"
	writeLock(t, dir, owner, 0)
	again, err := Run(t.Context(), job, Options{Backend: testBackend, Store: st})
	if err != nil || !again.Cached {
		t.Fatalf("finished run with a lock present: cached %v, %v", again != nil && again.Cached, err)
	}
	sameRecords(t, again.Records, res.Records)
}

// Progress follows a run through the store: nothing, then complete.
func TestStoreProgress(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	job := resumeJob(t)
	key, _ := Key(&job)
	if p, err := st.Progress(key); err != nil || p != (RunProgress{}) {
		t.Fatalf("a run not in the store: %+v, %v", p, err)
	}
	if _, err := Run(t.Context(), job, Options{Backend: testBackend, Store: st}); err != nil {
		t.Fatal(err)
	}
	if p, err := st.Progress(key); err != nil || p != (RunProgress{Epoch: 6, Epochs: 6, Complete: true}) {
		t.Fatalf("a finished run: %+v, %v", p, err)
	}
}
