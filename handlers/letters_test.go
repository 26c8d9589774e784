package handlers

import (
	"testing"
	"time"
)

func TestLetterVault(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	v := newLetterVault(func() time.Time { return now }, time.Hour)
	v.put(heldLetter{kind: letterStartGuide, subject: "H000001", name: "山田", application: "A000001"}, "Initial-Pass-1")
	v.put(heldLetter{kind: letterFacilityInfo, subject: "F000001", name: "山田医院", application: "A000001"}, "Facility-Pass-1")

	l, ok := v.getForApplication("A000001", "H000001", letterStartGuide)
	if !ok || l.Password != "Initial-Pass-1" || !l.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("get: %+v %v", l, ok)
	}
	if _, ok := v.get("H000001", letterFacilityInfo); ok {
		t.Fatal("a start guide was returned as facility info")
	}
	if _, ok := v.getForApplication("A000002", "H000001", letterStartGuide); ok {
		t.Fatal("another application's letter was returned")
	}

	// A reset replaces the letter: it is no longer the application's.
	held := v.letters["H000001"]
	old := held.password
	v.put(heldLetter{kind: letterStartGuide, subject: "H000001", name: "山田"}, "Reset-Pass-2")
	if string(old) == "Initial-Pass-1" {
		t.Fatal("the replaced password was not wiped")
	}
	if _, ok := v.getForApplication("A000001", "H000001", letterStartGuide); ok {
		t.Fatal("the reset letter counts as the application's")
	}
	if l, ok := v.get("H000001", letterStartGuide); !ok || l.Password != "Reset-Pass-2" {
		t.Fatalf("reset letter: %+v", l)
	}

	// Mailing the application wipes its own letters only.
	facilityBytes := v.letters["F000001"].password
	v.wipeApplication("A000001")
	if _, ok := v.get("F000001", letterFacilityInfo); ok {
		t.Fatal("facility info survived mailing")
	}
	for _, b := range facilityBytes {
		if b != 0 {
			t.Fatal("facility password bytes not zeroed")
		}
	}
	if _, ok := v.get("H000001", letterStartGuide); !ok {
		t.Fatal("the reset letter was wiped with the application")
	}

	// By the server clock: gone at the TTL.
	now = now.Add(time.Hour)
	if v.size() != 0 {
		t.Fatal("letters outlived their time")
	}
}

// The wall-clock timer wipes a letter even when nobody asks again.
func TestLetterVaultTimer(t *testing.T) {
	v := newLetterVault(time.Now, 20*time.Millisecond)
	v.put(heldLetter{kind: letterStartGuide, subject: "H000001"}, "Initial-Pass-1")
	deadline := time.Now().Add(5 * time.Second)
	for {
		v.mu.Lock()
		n := len(v.letters)
		v.mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("timer did not wipe the letter")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
