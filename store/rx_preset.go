package store

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// 約束処方: a member's named set of lines to insert into a new
// prescription, optionally shared with the facility. Presets are not
// medical records: they are renamed and deleted outright.
//
// Layout: rx_presets holds id → RxPreset; rx_presets_index holds
// indexKey("m", member, id) and indexKey("f", oid, id) for shared ones.

var (
	bucketRxPresets      = []byte("rx_presets")
	bucketRxPresetsIndex = []byte("rx_presets_index")
)

// RxPreset is one 約束処方.
type RxPreset struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	OwnerID     string       `json:"owner_id"`
	OwnerName   string       `json:"owner_name"`
	FacilityOID string       `json:"facility_oid"`
	Shared      bool         `json:"shared,omitempty"`
	Lines       []RxLineForm `json:"lines"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// RxPresetSpec is the preset form (name and whether it is shared).
var RxPresetSpec = Fields{
	{Name: "name", Label: "約束処方の名前", Max: 40, Required: true},
	{Name: "shared", Label: "施設内で共有する"},
}

func checkPresetName(name string) (string, error) {
	fe := FieldErrors{}
	name = normalizeSpaces(name)
	RxPresetSpec.Check(fe, "name", name)
	return name, fe.Err()
}

// SaveRxPreset stores the form's lines under name for the member (every
// member of a clinic or hospital may keep presets). The lines are checked
// like a prescription's; spare lines are dropped.
func (db *DB) SaveRxPreset(a RxActor, name string, shared bool, lines []RxLineForm) (RxPreset, error) {
	if _, err := db.RxRoleOf(a); err != nil {
		return RxPreset{}, err
	}
	name, err := checkPresetName(name)
	fe := ErrorFields(err)
	if fe == nil {
		fe = FieldErrors{}
	}
	m, _ := db.DrugMasterState()
	validateRxLines(fe, db, m.Current.Version, lines)
	if err := fe.Err(); err != nil {
		return RxPreset{}, err
	}
	var kept []RxLineForm
	for _, l := range lines {
		if !l.Empty() {
			l.DrugCode, _ = NormalizeDrugCode(l.DrugCode)
			kept = append(kept, l)
		}
	}
	var out RxPreset
	err = db.Update(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		out = RxPreset{ID: RandomToken()[:16], Name: name, OwnerID: w.member.ID, OwnerName: w.member.Name,
			FacilityOID: w.facility.OID, Shared: shared, Lines: kept, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		return putRxPresetTx(tx, nil, out)
	})
	return out, err
}

func putRxPresetTx(tx *Tx, old *RxPreset, p RxPreset) error {
	idx := tx.bucket(bucketRxPresetsIndex)
	if old != nil && old.Shared && !p.Shared {
		if err := idx.Delete(indexKey("f", old.FacilityOID, old.ID)); err != nil {
			return err
		}
	}
	if err := idx.Put(indexKey("m", p.OwnerID, p.ID), nil); err != nil {
		return err
	}
	if p.Shared {
		if err := idx.Put(indexKey("f", p.FacilityOID, p.ID), nil); err != nil {
			return err
		}
	}
	return putJSON(tx.bucket(bucketRxPresets), []byte(p.ID), p)
}

// rxPresetTx finds a preset the member may use: their own, or one shared
// in their facility.
func rxPresetTx(tx *Tx, w rxWho, id string) (RxPreset, error) {
	var p RxPreset
	found, err := getJSON(tx.bucket(bucketRxPresets), []byte(id), &p)
	if err != nil {
		return p, err
	}
	if !found || (p.OwnerID != w.member.ID && !(p.Shared && p.FacilityOID == w.facility.OID)) {
		return RxPreset{}, NotFound()
	}
	return p, nil
}

// RxPresets lists the member's presets and those shared in the facility,
// by name.
func (db *DB) RxPresets(a RxActor) ([]RxPreset, error) {
	var out []RxPreset
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		idx := tx.bucket(bucketRxPresetsIndex).Cursor()
		for _, prefix := range [][]byte{append(indexKey("m", w.member.ID), 0), append(indexKey("f", w.facility.OID), 0)} {
			for k, _ := idx.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = idx.Next() {
				id := string(k[len(prefix):])
				if seen[id] {
					continue
				}
				seen[id] = true
				var p RxPreset
				if v := tx.bucket(bucketRxPresets).Get([]byte(id)); v != nil && json.Unmarshal(v, &p) == nil {
					out = append(out, p)
				}
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y RxPreset) int { return strings.Compare(x.Name, y.Name) })
	return out, err
}

// RxPreset finds one preset the member may use.
func (db *DB) RxPreset(a RxActor, id string) (RxPreset, error) {
	var p RxPreset
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err = rxPresetTx(tx, w, id)
		return err
	})
	return p, err
}

var errPresetOwner = Errorf(EFORBIDDEN, "共有された約束処方の名前の変更と削除は作成者だけが行えます")

// RenameRxPreset changes a preset's name and sharing (its owner only).
func (db *DB) RenameRxPreset(a RxActor, id, name string, shared bool) (RxPreset, error) {
	name, err := checkPresetName(name)
	if err != nil {
		return RxPreset{}, err
	}
	var out RxPreset
	err = db.Update(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err := rxPresetTx(tx, w, id)
		if err != nil {
			return err
		}
		if p.OwnerID != w.member.ID {
			return errPresetOwner
		}
		old := p
		p.Name, p.Shared, p.UpdatedAt = name, shared, tx.Now
		out = p
		return putRxPresetTx(tx, &old, p)
	})
	return out, err
}

// DeleteRxPreset removes a preset (its owner only).
func (db *DB) DeleteRxPreset(a RxActor, id string) error {
	return db.Update(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err := rxPresetTx(tx, w, id)
		if err != nil {
			return err
		}
		if p.OwnerID != w.member.ID {
			return errPresetOwner
		}
		idx := tx.bucket(bucketRxPresetsIndex)
		if err := idx.Delete(indexKey("m", p.OwnerID, p.ID)); err != nil {
			return err
		}
		if err := idx.Delete(indexKey("f", p.FacilityOID, p.ID)); err != nil {
			return err
		}
		return tx.bucket(bucketRxPresets).Delete([]byte(p.ID))
	})
}
