package train

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// This file holds the run lock: the guarantee that one process at a time
// trains a run, on one machine or on many sharing the store over NFS,
// where flock is not reliable across nodes.
//
// The lock is the file lockFile in the run directory, created with
// O_CREAT|O_EXCL (atomic on a local filesystem and on NFSv3 and later) and
// holding its owner as JSON: host, pid, boot ID, PID namespace and a
// random token. While it trains, the owner touches the file (its mtime is
// the heartbeat) every Store.LockStale/10 and checks that the file still
// names it before every checkpoint it writes. Another process may take the
// lock over when it is stale:
//
//   - on the same machine (same host name, boot ID and PID namespace), as
//     soon as its pid is dead: a task killed by the scheduler and requeued
//     on the same node resumes at once;
//   - from anywhere, once its heartbeat is older than Store.LockStale (the
//     owner died on another node, or its node went down).
//
// A take-over is itself serialised by a second O_EXCL file
// (lockFile+".break"), so that two processes finding the same stale lock
// cannot delete each other's fresh one.

// lockFile is the name of the run lock in a run directory.
const lockFile = "train.lock"

// DefaultLockStale is Store.LockStale's default: a run lock with no
// heartbeat for this long belongs to a dead process. It leaves room for
// NFS attribute caching (about a minute) and for clocks of the nodes that
// differ by a minute or two.
const DefaultLockStale = 5 * time.Minute

// ErrRunLocked is wrapped by the error of a run another live process is
// training.
var ErrRunLocked = errors.New("the run is being trained by another process")

// lockOwner is the content of a lock file.
type lockOwner struct {
	Host   string    `json:"host"`
	PID    int       `json:"pid"`
	BootID string    `json:"boot_id,omitempty"`
	PIDNS  string    `json:"pid_ns,omitempty"`
	Token  string    `json:"token"`
	Since  time.Time `json:"since"`
}

// thisProcess is the owner record of this process (without token).
var thisProcess = sync.OnceValue(func() lockOwner {
	host, _ := os.Hostname()
	boot, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return lockOwner{Host: host, PID: os.Getpid(), BootID: strings.TrimSpace(string(boot)), PIDNS: ns}
})

// sameMachine reports whether o was written by a process of this machine
// and PID namespace, whose pid can therefore be checked here.
func (o lockOwner) sameMachine() bool {
	me := thisProcess()
	return o.Host == me.Host && o.BootID == me.BootID && o.PIDNS == me.PIDNS && o.BootID != ""
}

// String describes the owner for error messages.
func (o lockOwner) String() string {
	return fmt.Sprintf("pid %d on host %s since %s", o.PID, o.Host, o.Since.Format(time.RFC3339))
}

// processAlive reports whether pid is a live process of this machine.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// runLock is a held run lock.
type runLock struct {
	path  string
	owner lockOwner
	stop  chan struct{}
	done  chan struct{}

	mu   sync.Mutex
	lost error // set by the heartbeat when the file no longer names us
}

// lockState is what a contender found in a lock file.
type lockState struct {
	owner lockOwner
	// parsed is false for an empty or unreadable file (being written, or
	// left half-written by a crash).
	parsed bool
	mtime  time.Time
	size   int64
}

// readLock reads the lock file at path; a missing file is fs.ErrNotExist.
func readLock(path string) (lockState, error) {
	var st lockState
	info, err := os.Stat(path)
	if err != nil {
		return st, err
	}
	st.mtime, st.size = info.ModTime(), info.Size()
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	st.parsed = json.Unmarshal(b, &st.owner) == nil && st.owner.Token != ""
	return st, nil
}

// stale reports whether the lock st may be taken over, and why.
func (st lockState) stale(after time.Duration) (bool, string) {
	age := time.Since(st.mtime)
	if st.parsed && st.owner.sameMachine() {
		if st.owner.PID == os.Getpid() || processAlive(st.owner.PID) {
			return false, ""
		}
		return true, fmt.Sprintf("its owner (%s) is no longer running", st.owner)
	}
	if age > after {
		return true, fmt.Sprintf("no heartbeat for %s (more than %s)", age.Round(time.Second), after)
	}
	return false, ""
}

// openLockFile creates a run's lock file exclusively; tests replace it to
// simulate a read-only store.
var openLockFile = func(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
}

// lockStale returns the store's staleness timeout.
func (s *Store) lockStale() time.Duration {
	if s.LockStale > 0 {
		return s.LockStale
	}
	return DefaultLockStale
}

// lockRun takes the lock of the run directory dir (of run key), waiting up
// to s.LockWait for a live owner to release it. It returns an error
// wrapping ErrRunLocked when a live process keeps it, and the open error
// itself (for the caller to recognise a read-only store) when the file
// cannot be created.
func (s *Store) lockRun(dir, key string) (*runLock, error) {
	path := filepath.Join(dir, lockFile)
	stale := s.lockStale()
	deadline := time.Now().Add(s.LockWait)
	poll := 20 * time.Millisecond
	for {
		l, err := createLock(path, stale)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		st, err := readLock(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("train: reading the run lock %s: %w", path, err)
		}
		if age := time.Since(st.mtime); !st.parsed && age >= 0 && age < time.Second {
			time.Sleep(10 * time.Millisecond) // being written: look again
			continue
		}
		if ok, _ := st.stale(stale); ok {
			if err := breakLock(path, st, stale); err != nil {
				return nil, err
			}
			continue
		}
		if !time.Now().Before(deadline) {
			return nil, lockedError(key, path, st, stale)
		}
		time.Sleep(min(poll, time.Until(deadline)+time.Millisecond))
		poll = min(2*poll, time.Second)
	}
}

// lockedError explains that a live process holds the lock st.
func lockedError(key, path string, st lockState, stale time.Duration) error {
	who := "a process that is still writing the lock"
	if st.parsed {
		who = st.owner.String()
	}
	return fmt.Errorf("train: run %s: %w (%s; lock %s, last heartbeat %s ago); wait for it to finish or stop it "+
		"(a lock whose owner died is taken over once its heartbeat is %s old, or at once on the owner's machine)",
		key, ErrRunLocked, who, path, time.Since(st.mtime).Round(time.Second), stale)
}

// createLock creates the lock file exclusively, writes this process into
// it and starts its heartbeat.
func createLock(path string, stale time.Duration) (*runLock, error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	owner := thisProcess()
	var tok [16]byte
	rand.Read(tok[:])
	owner.Token, owner.Since = hex.EncodeToString(tok[:]), time.Now().UTC().Truncate(time.Second)
	b, _ := json.Marshal(owner)
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("train: writing the run lock %s: %w", path, err)
	}
	l := &runLock{path: path, owner: owner, stop: make(chan struct{}), done: make(chan struct{})}
	go l.heartbeat(max(stale/10, 5*time.Millisecond))
	return l, nil
}

// breakLock removes the stale lock st, unless another process replaced it
// since it was read. The removal is done under the break file so that two
// processes that found the same stale lock cannot remove each other's new
// one.
func breakLock(path string, st lockState, stale time.Duration) error {
	bpath := path + ".break"
	f, err := os.OpenFile(bpath, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if errors.Is(err, fs.ErrExist) {
		// Another process is breaking it. A break file outlives its
		// process only if that process died in the few instructions
		// below; after a whole stale period it is removed.
		if info, err := os.Stat(bpath); err == nil && time.Since(info.ModTime()) > stale {
			os.Remove(bpath)
		}
		time.Sleep(10 * time.Millisecond)
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: taking over the stale run lock %s: %w", path, err)
	}
	f.Close()
	defer os.Remove(bpath)
	now, err := readLock(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("train: reading the run lock %s: %w", path, err)
	}
	same := now.parsed == st.parsed && now.owner.Token == st.owner.Token && (st.parsed || now.mtime.Equal(st.mtime) && now.size == st.size)
	if !same {
		return nil // replaced: the caller looks again
	}
	if ok, _ := now.stale(stale); !ok {
		return nil // it got a heartbeat meanwhile
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("train: removing the stale run lock %s: %w", path, err)
	}
	return nil
}

// heartbeat touches the lock file every interval until release, and
// records the loss of the lock when the file no longer names this lock.
func (l *runLock) heartbeat(interval time.Duration) {
	defer close(l.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if err := l.verify(); err != nil {
				l.mu.Lock()
				l.lost = err
				l.mu.Unlock()
				return
			}
			now := time.Now()
			os.Chtimes(l.path, now, now)
		}
	}
}

// verify checks that the lock file still names this lock.
func (l *runLock) verify() error {
	st, err := readLock(l.path)
	if err == nil && st.parsed && st.owner.Token == l.owner.Token {
		return nil
	}
	who := "removed it"
	if err == nil && st.parsed {
		who = "took it over (" + st.owner.String() + ")"
	}
	return fmt.Errorf("train: lost the run lock %s: another process %s, taking it for stale (did this process stall for longer than the lock's staleness timeout?); "+
		"this process stops writing the run", l.path, who)
}

// check returns an error when the lock was lost; it is called before
// every write of the run.
func (l *runLock) check() error {
	l.mu.Lock()
	err := l.lost
	l.mu.Unlock()
	if err != nil {
		return err
	}
	return l.verify()
}

// release stops the heartbeat and removes the lock file if it still names
// this lock.
func (l *runLock) release() {
	close(l.stop)
	<-l.done
	if l.verify() == nil {
		os.Remove(l.path)
	}
}
