package store

import (
	"strings"
	"time"
)

// A shared PC (共用PC), e.g. the reception PC of a clinic, carries the
// certificate of one member already; another member who must use it gets
// the operator's allowance for that PC by name. The allowance is used up
// by one certificate issued for that PC, outside the member's ordinary
// allowance (CertAllowance), so the rule "one certificate per PC" holds
// for everyone else: without an allowance, a PC that presents another
// member's certificate is refused.

// SharedPCGrant is the operator's allowance for one certificate on a named
// shared PC, waiting to be used.
type SharedPCGrant struct {
	Device    string    `json:"device"` // the PC's name, e.g. 受付PC1
	GrantedBy string    `json:"granted_by"`
	GrantedAt time.Time `json:"granted_at"`
}

// maxSharedPCGrants bounds the allowances waiting on one member.
const maxSharedPCGrants = 5

// HasSharedPCGrant reports whether an allowance for a shared PC waits.
func (m Member) HasSharedPCGrant() bool { return len(m.SharedPCs) > 0 }

// SharedPCGrantFor is the waiting allowance for the named PC.
func (m Member) SharedPCGrantFor(device string) (SharedPCGrant, bool) {
	for _, g := range m.SharedPCs {
		if g.Device == device {
			return g, true
		}
	}
	return SharedPCGrant{}, false
}

// SharedPCSpec is the operator's form that allows a shared PC (共用PC).
var SharedPCSpec = Fields{
	{Name: "device_name", Label: "共用PCの名前", Max: 40, Required: true},
}

// GrantSharedPC allows the member one certificate for the named shared PC,
// audited as the operator.
func (db *DB) GrantSharedPC(memberID, device, operator, remote string) error {
	device = strings.TrimSpace(device)
	fe := FieldErrors{}
	SharedPCSpec.Check(fe, "device_name", device)
	if err := fe.Err(); err != nil {
		return err
	}
	return db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, memberID)
		if err != nil {
			return err
		}
		switch {
		case m.IsOperator():
			return NotFound()
		case !m.Active():
			return Errorf(ECONFLICT, "この会員は%sのため、共用PCの証明書を許可できません", m.Status.Label())
		case len(m.SharedPCs) >= maxSharedPCGrants:
			return FieldErrors{"device_name": "未使用の共用PCの許可が多すぎます（5件まで）。会員が証明書を発行してから追加してください"}.Err()
		}
		if _, ok := m.SharedPCGrantFor(device); ok {
			return FieldErrors{"device_name": "この名前の共用PCはすでに許可されています（証明書は未発行）"}.Err()
		}
		m.SharedPCs = append(m.SharedPCs, SharedPCGrant{Device: device, GrantedBy: operator, GrantedAt: tx.Now})
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: operator, Action: AuditCertGrantSharedPC, Object: "member:" + memberID, Remote: remote,
			Detail: "device=" + device})
	})
}

// useSharedPCGrantTx takes the member's allowance for the named PC.
func useSharedPCGrantTx(m *Member, device string) bool {
	for i, g := range m.SharedPCs {
		if g.Device == device {
			m.SharedPCs = append(m.SharedPCs[:i:i], m.SharedPCs[i+1:]...)
			return true
		}
	}
	return false
}
