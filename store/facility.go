package store

import (
	"encoding/json"
	"time"
)

var bucketFacilities = []byte("facilities")

// FacilityKind is the kind of a medical facility (施設区分).
type FacilityKind string

const (
	FacilityClinic   FacilityKind = "clinic"   // 診療所
	FacilityHospital FacilityKind = "hospital" // 病院
	FacilityPharmacy FacilityKind = "pharmacy" // 薬局
	FacilityOther    FacilityKind = "other"    // その他（訪問看護ステーション等）
)

// FacilityKinds in the order forms list them.
var FacilityKinds = []FacilityKind{FacilityClinic, FacilityHospital, FacilityPharmacy, FacilityOther}

// Label is the kind in Japanese.
func (k FacilityKind) Label() string {
	switch k {
	case FacilityClinic:
		return "診療所"
	case FacilityHospital:
		return "病院"
	case FacilityPharmacy:
		return "薬局"
	case FacilityOther:
		return "その他"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k FacilityKind) Valid() bool {
	for _, v := range FacilityKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Facility is a clinic, hospital or pharmacy with its facility ID "OID"
// (F + 6 digits) and its own facility password (for PRS).
type Facility struct {
	OID               string       `json:"oid"`
	Name              string       `json:"name"`
	Kind              FacilityKind `json:"kind"`
	Code              string       `json:"code,omitempty"` // 医療機関コード（10桁）
	Postal            string       `json:"postal"`
	Address           string       `json:"address"`
	Phone             string       `json:"phone"`
	Departments       []string     `json:"departments,omitempty"` // 診療科
	PasswordHash      string       `json:"password_hash"`
	Active            bool         `json:"active"`
	CreatedAt         time.Time    `json:"created_at"`
	UpdatedAt         time.Time    `json:"updated_at"`
	PasswordChangedAt time.Time    `json:"password_changed_at,omitempty"`
}

// Facility finds a facility by OID.
func (db *DB) Facility(oid string) (Facility, error) {
	var f Facility
	err := db.View(func(tx *Tx) error {
		var err error
		f, err = facilityTx(tx, oid)
		return err
	})
	return f, err
}

func facilityTx(tx *Tx, oid string) (Facility, error) {
	return cachedTx(tx, bucketFacilities, tx.db.facilities, oid, "facility")
}

func putFacilityTx(tx *Tx, f Facility) error {
	f.UpdatedAt = tx.Now
	return putJSON(tx.bucket(bucketFacilities), []byte(f.OID), f)
}

func nextFacilityOIDTx(tx *Tx) (string, error) {
	seq, err := tx.bucket(bucketFacilities).NextSequence()
	if err != nil {
		return "", err
	}
	return sequenceID("F", seq), nil
}

// Facilities lists all facilities in OID order.
func (db *DB) Facilities() ([]Facility, error) {
	var out []Facility
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketFacilities).ForEach(func(k, v []byte) error {
			var f Facility
			if err := json.Unmarshal(v, &f); err != nil {
				return Errorf(EINTERNAL, "facility %s: %v", k, err)
			}
			out = append(out, f)
			return nil
		})
	})
	return out, err
}
