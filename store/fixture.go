package store

import "strconv"

// TestMemberSpec describes an account made without the application flow,
// for tests, benchmarks and the demo data generator.
type TestMemberSpec struct {
	Name       string
	Password   string
	Operator   bool
	MustChange bool
	// FacilityOID joins an existing facility; else a new one is made.
	FacilityOID      string
	FacilityName     string
	FacilityKind     FacilityKind
	FacilityPassword string
	Department       string
	// Qualification: doctor when empty.
	Qualification Qualification
}

// CreateTestMember creates an active account (and its facility) directly.
func (db *DB) CreateTestMember(spec TestMemberSpec) (Member, Facility, error) {
	hash := HashPassword(spec.Password)
	fpw := spec.FacilityPassword
	if fpw == "" {
		fpw = spec.Password
	}
	fhash := ""
	if !spec.Operator && spec.FacilityOID == "" {
		fhash = HashPassword(fpw)
	}
	var m Member
	var f Facility
	err := db.Update(func(tx *Tx) error {
		m = Member{Role: RoleMember, Status: MemberActive, Name: spec.Name, NameKana: "テスト",
			Qualification: QualDoctor, Email: "", PasswordHash: hash, MustChangePassword: spec.MustChange,
			CertAllowance: 1, Department: spec.Department, CreatedAt: tx.Now}
		if spec.Qualification != "" {
			m.Qualification = spec.Qualification
		}
		if spec.Operator {
			m.Role = RoleOperator
			m.ID = "op" + strconv.Itoa(int(tx.bucket(bucketMembers).Sequence()+1))
			if _, err := tx.bucket(bucketMembers).NextSequence(); err != nil {
				return err
			}
			return putMemberTx(tx, m)
		}
		var err error
		if spec.FacilityOID != "" {
			if f, err = facilityTx(tx, spec.FacilityOID); err != nil {
				return err
			}
		} else {
			kind := spec.FacilityKind
			if kind == "" {
				kind = FacilityClinic
			}
			name := spec.FacilityName
			if name == "" {
				name = spec.Name + "クリニック"
			}
			if f.OID, err = nextFacilityOIDTx(tx); err != nil {
				return err
			}
			f = Facility{OID: f.OID, Name: name, Kind: kind, Postal: "100-0001", Address: "東京都千代田区千代田1-1",
				Phone: "03-0000-0000", PasswordHash: fhash, Active: true, CreatedAt: tx.Now}
			if err := putFacilityTx(tx, f); err != nil {
				return err
			}
		}
		m.FacilityOID = f.OID
		if m.ID, err = nextMemberIDTx(tx); err != nil {
			return err
		}
		return putMemberTx(tx, m)
	})
	return m, f, err
}

// TestSettings are complete settings (no placeholder left, a portal
// address others can reach), for tests and the demo data.
func TestSettings() Settings {
	s := DefaultSettings()
	s.Organisation = "テスト地区医師会"
	s.Department = "医療情報課 ほっとライン係"
	s.Postal = "100-0001"
	s.Address = "東京都千代田区千代田1-1"
	s.Phone = "03-1234-5678"
	s.Email = "hotline@example.jp"
	s.PortalURL = "https://hotline.example.jp/"
	return s
}

// PutTestSettings stores s as the settings without an audit line, so a
// test's audit log holds only what the test did.
func (db *DB) PutTestSettings(s Settings) error {
	s.ServerURL = ""
	err := db.Update(func(tx *Tx) error { return putJSON(tx.bucket(bucketSettings), keySettings, s) })
	if err == nil {
		db.settings.Store(&s)
	}
	return err
}

// SetTestFacilityCode sets a facility's 医療機関コード directly (tests and
// demo data: test facilities are made without one).
func (db *DB) SetTestFacilityCode(oid, code string) error {
	return db.Update(func(tx *Tx) error {
		f, err := facilityTx(tx, oid)
		if err != nil {
			return err
		}
		f.Code = code
		return putFacilityTx(tx, f)
	})
}
