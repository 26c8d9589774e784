package handlers

import (
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// Credential letters (利用開始案内, 施設登録情報) print a password in clear.
// The database keeps only hashes, so the clear passwords live here, in
// memory, from approval (or a reset) until the operator records the letters
// mailed, at most letterTTL; a restart also forgets them. Printing later
// means issuing a new password.

// letterTTL is how long a clear password is held.
const letterTTL = 24 * time.Hour

// letterKind says which letter a held password is for.
type letterKind int

const (
	letterStartGuide   letterKind = iota // 利用開始案内: member ID + password
	letterFacilityInfo                   // 施設登録情報: OID + facility password
)

// heldLetter is one printable letter. Its subject is the ほっとラインID or
// the OID the password belongs to.
type heldLetter struct {
	kind         letterKind
	subject      string
	name         string // the member's name, or the facility's
	facilityName string // the member's facility (start guide)
	application  string // 受付番号 when approval issued it
	password     []byte
	issuedAt     time.Time
	expiresAt    time.Time
	timer        *time.Timer
}

// printableLetter is a copy handed out for rendering.
type printableLetter struct {
	Kind         letterKind
	Subject      string
	Name         string
	FacilityName string
	Application  string
	Password     string
	IssuedAt     time.Time
	ExpiresAt    time.Time
}

// letterVault holds the letters of one server, by subject, and which
// subjects an application's approval issued.
type letterVault struct {
	mu      sync.Mutex
	now     func() time.Time
	ttl     time.Duration
	letters map[string]*heldLetter
	byApp   map[string][]string
}

func newLetterVault(now func() time.Time, ttl time.Duration) *letterVault {
	return &letterVault{now: now, ttl: ttl, letters: map[string]*heldLetter{}, byApp: map[string][]string{}}
}

// put holds a letter, replacing any earlier one for the same subject (a
// newer password makes the older letter wrong). The wall-clock timer wipes
// it at expiry even when nobody looks again.
func (v *letterVault) put(l heldLetter, password string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.removeLocked(l.subject)
	l.password = []byte(password)
	l.issuedAt = v.now()
	l.expiresAt = l.issuedAt.Add(v.ttl)
	held := &l
	held.timer = time.AfterFunc(v.ttl, func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.letters[held.subject] == held {
			v.removeLocked(held.subject)
		}
	})
	v.letters[l.subject] = held
	if l.application != "" {
		v.byApp[l.application] = appendUnique(v.byApp[l.application], l.subject)
	}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// removeLocked wipes the password bytes and forgets the letter.
func (v *letterVault) removeLocked(subject string) {
	l, ok := v.letters[subject]
	if !ok {
		return
	}
	if l.timer != nil {
		l.timer.Stop()
	}
	clear(l.password)
	l.password = nil
	delete(v.letters, subject)
}

// sweepLocked drops letters past their time by the server clock (the
// timers cover the wall clock).
func (v *letterVault) sweepLocked() {
	now := v.now()
	for subject, l := range v.letters {
		if !now.Before(l.expiresAt) {
			v.removeLocked(subject)
		}
	}
	for app, subjects := range v.byApp {
		live := subjects[:0]
		for _, s := range subjects {
			if _, ok := v.letters[s]; ok {
				live = append(live, s)
			}
		}
		if len(live) == 0 {
			delete(v.byApp, app)
		} else {
			v.byApp[app] = live
		}
	}
}

// get returns a copy of the letter held for subject.
func (v *letterVault) get(subject string, kind letterKind) (printableLetter, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sweepLocked()
	l, ok := v.letters[subject]
	if !ok || l.kind != kind {
		return printableLetter{}, false
	}
	return printableLetter{Kind: l.kind, Subject: l.subject, Name: l.name, FacilityName: l.facilityName,
		Application: l.application, Password: string(l.password), IssuedAt: l.issuedAt, ExpiresAt: l.expiresAt}, true
}

// getForApplication is get, for a letter that the approval of the
// application issued (a later reset's letter is not the application's).
func (v *letterVault) getForApplication(number, subject string, kind letterKind) (printableLetter, bool) {
	l, ok := v.get(subject, kind)
	if !ok || l.Application != number {
		return printableLetter{}, false
	}
	return l, true
}

// wipe forgets the letter of subject.
func (v *letterVault) wipe(subject string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.removeLocked(subject)
}

// wipeApplication forgets every letter an application's approval issued.
func (v *letterVault) wipeApplication(number string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range v.byApp[number] {
		if l, ok := v.letters[s]; ok && l.application == number {
			v.removeLocked(s)
		}
	}
	delete(v.byApp, number)
}

// heldApplications maps each application whose approval letters are still
// held to the time the first of them will be wiped.
func (v *letterVault) heldApplications() map[string]time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sweepLocked()
	out := map[string]time.Time{}
	for number, subjects := range v.byApp {
		for _, s := range subjects {
			l, ok := v.letters[s]
			if !ok || l.application != number {
				continue
			}
			if at, seen := out[number]; !seen || l.expiresAt.Before(at) {
				out[number] = l.expiresAt
			}
		}
	}
	return out
}

// size is the number of letters held (tests).
func (v *letterVault) size() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.sweepLocked()
	return len(v.letters)
}

// holdApproval keeps the letters of an approval: the start guide always,
// the facility info when a facility was created.
func (v *letterVault) holdApproval(ap store.Approval) {
	v.put(heldLetter{kind: letterStartGuide, subject: ap.Member.ID, name: ap.Member.Name,
		facilityName: ap.Facility.Name, application: ap.Application.Number}, ap.MemberPassword)
	if ap.NewFacility && ap.FacilityPassword != "" {
		v.put(heldLetter{kind: letterFacilityInfo, subject: ap.Facility.OID, name: ap.Facility.Name,
			application: ap.Application.Number}, ap.FacilityPassword)
	}
}

// letterGone is the answer for a letter whose password is no longer held:
// 410, explaining that printing again means a new password.
func letterGone(title, why, back string) error {
	return &errorPage{view: views.ErrorView{
		Status:  fiber.StatusGone,
		Title:   "「" + title + "」は印刷できません",
		Message: why,
		Detail: "パスワードはデータベースに保存していないため、この書類を再印刷することはできません。" +
			"もう一度印刷するには、パスワードを再発行してください（再発行すると、以前に発行したパスワードは使えなくなります）。",
		Links: []views.Link{{Href: back, Text: "戻ってパスワードを再発行する"}},
	}}
}

// letterGoneReason says why a letter is gone.
func letterGoneReason(mailed bool) string {
	if mailed {
		return "資料は郵送済みとして記録されたため、パスワードはサーバーのメモリから消去されました。"
	}
	return "パスワードは発行から24時間が経過したか、サーバーが再起動したため、サーバーのメモリから消去されました。"
}

// letterGoneAnyReason is the explanation when the reason is not recorded
// (letters of a reset: their mailing is audited, not stored).
const letterGoneAnyReason = "パスワードは、郵送済みとして記録されたか、発行から24時間が経過したか、サーバーが再起動したため、サーバーのメモリから消去されました。"

// lettersBlocked says why letters are not printed yet, "" when they may
// be: while 設定 holds placeholders a letter would send the member to an
// address no other PC reaches (localhost), or name （未設定） as whom to ask.
func lettersBlocked(st store.Settings) string {
	p := st.Placeholders()
	if len(p) == 0 {
		return ""
	}
	msg := "設定が仮の値のままです（" + strings.Join(p, "、") + "）。"
	if st.PortalIsPlaceholder() {
		msg += "ポータルURLが " + st.Portal() + " のままでは、書類を受け取った会員のPCから接続できません。"
	}
	return msg + "「設定」で入力してから印刷してください。"
}

// lettersNotReady answers a letter's PDF while lettersBlocked: 409 with
// the reason and the way to 設定.
func lettersNotReady(st store.Settings, title, back string) error {
	why := lettersBlocked(st)
	if why == "" {
		return nil
	}
	return &errorPage{view: views.ErrorView{
		Status:  fiber.StatusConflict,
		Title:   "「" + title + "」はまだ印刷できません",
		Message: why,
		Links:   []views.Link{{Href: "/admin/settings", Text: "設定を開く"}, {Href: back, Text: "戻る"}},
	}}
}
