package store

import "strings"

// A pharmacy finds a prescription by its 照会番号 and the patient's birth
// date: a guess at both is a guess at a patient's prescription, so the
// lookup is throttled by the login throttle (throttle.go) under the account
// RxLookupAccount(memberID) and the source address. Ten failed lookups from
// one address (IPv6: one /64) hold that member's lookups from there for
// PairHoldFor, stored and cleared by the operator like a login hold;
// failures across addresses slow the member down; failures across members
// count against the address like failed logins. A lookup that succeeds
// forgets nothing: one prescription in hand proves nothing about the next
// guess.
//
// The key starts with capitals, so no ID typed at /login can count
// failures against it (NormalizeAccountID lower-cases).
const rxLookupAccountPrefix = "RXQ:"

// RxLookupAccount is the throttle account of a member's prescription
// lookups.
func RxLookupAccount(memberID string) string { return rxLookupAccountPrefix + memberID }

func isRxLookupAccount(account string) bool { return strings.HasPrefix(account, rxLookupAccountPrefix) }

// rxLookupAttempt is a member's lookup from remote as a login attempt;
// never Trusted (the session already required the certificate).
func rxLookupAttempt(memberID, remote string) LoginAttempt {
	return LoginAttempt{Account: RxLookupAccount(memberID), Addr: remote}
}
