package scale

import "testing"

func TestParse(t *testing.T) {
	for in, want := range map[string]Scale{"": Quick, "quick": Quick, " Quick ": Quick, "SMOKE": Smoke, "paper": Paper} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Parse("bogus"); err == nil {
		t.Error("bogus accepted")
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv(Env, "Paper")
	if s, err := FromEnv(); err != nil || s != Paper {
		t.Fatalf("FromEnv = %q, %v", s, err)
	}
	t.Setenv(Env, "huge")
	if _, err := FromEnv(); err == nil {
		t.Fatal("a bad value was accepted")
	}
}

func TestPick(t *testing.T) {
	if Pick(Smoke, 1, 2, 3) != 1 || Pick(Quick, 1, 2, 3) != 2 || Pick(Paper, 1, 2, 3) != 3 {
		t.Fatal("Pick chose the wrong value")
	}
}

func TestFlagOrEnv(t *testing.T) {
	t.Setenv(Env, "smoke")
	if s, err := FlagOrEnv("paper"); err != nil || s != Paper {
		t.Errorf("flag paper: %q, %v", s, err)
	}
	if s, err := FlagOrEnv(""); err != nil || s != Smoke {
		t.Errorf("no flag, env smoke: %q, %v", s, err)
	}
	if _, err := FlagOrEnv("huge"); err == nil {
		t.Error("a bad flag was accepted")
	}
}
