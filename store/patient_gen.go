package store

import (
	"fmt"
	"hotline/store/jptext"
	"math/rand/v2"
	"sync"
	"time"
)

// Synthetic patients for benchmarks, load tests and demonstrations. The
// names are common Japanese names combined at random; every record goes
// through the same code path as a registration (index, history, audit).

var genFamilies = [][2]string{
	{"佐藤", "サトウ"}, {"鈴木", "スズキ"}, {"高橋", "タカハシ"}, {"田中", "タナカ"}, {"伊藤", "イトウ"},
	{"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"}, {"小林", "コバヤシ"}, {"加藤", "カトウ"},
	{"吉田", "ヨシダ"}, {"山田", "ヤマダ"}, {"佐々木", "ササキ"}, {"山口", "ヤマグチ"}, {"松本", "マツモト"},
	{"井上", "イノウエ"}, {"木村", "キムラ"}, {"林", "ハヤシ"}, {"斎藤", "サイトウ"}, {"清水", "シミズ"},
	{"山崎", "ヤマザキ"}, {"森", "モリ"}, {"池田", "イケダ"}, {"橋本", "ハシモト"}, {"阿部", "アベ"},
	{"石川", "イシカワ"}, {"山下", "ヤマシタ"}, {"中島", "ナカジマ"}, {"石井", "イシイ"}, {"小川", "オガワ"},
	{"前田", "マエダ"}, {"岡田", "オカダ"}, {"長谷川", "ハセガワ"}, {"藤田", "フジタ"}, {"後藤", "ゴトウ"},
	{"近藤", "コンドウ"}, {"村上", "ムラカミ"}, {"遠藤", "エンドウ"}, {"青木", "アオキ"}, {"坂本", "サカモト"},
	{"斉藤", "サイトウ"}, {"福田", "フクダ"}, {"太田", "オオタ"}, {"西村", "ニシムラ"}, {"藤井", "フジイ"},
	{"金子", "カネコ"}, {"岡本", "オカモト"}, {"藤原", "フジワラ"}, {"中野", "ナカノ"}, {"三浦", "ミウラ"},
	{"原田", "ハラダ"}, {"中川", "ナカガワ"}, {"松田", "マツダ"}, {"竹内", "タケウチ"}, {"小野", "オノ"},
	{"田村", "タムラ"}, {"中山", "ナカヤマ"}, {"和田", "ワダ"}, {"石田", "イシダ"}, {"森田", "モリタ"},
	{"上田", "ウエダ"}, {"原", "ハラ"}, {"内田", "ウチダ"}, {"柴田", "シバタ"}, {"酒井", "サカイ"},
	{"宮崎", "ミヤザキ"}, {"横山", "ヨコヤマ"}, {"高木", "タカギ"}, {"安藤", "アンドウ"}, {"宮本", "ミヤモト"},
	{"大野", "オオノ"}, {"小島", "コジマ"}, {"谷口", "タニグチ"}, {"今井", "イマイ"}, {"工藤", "クドウ"},
	{"高田", "タカダ"}, {"増田", "マスダ"}, {"丸山", "マルヤマ"}, {"杉山", "スギヤマ"}, {"村田", "ムラタ"},
}

var genGiven = []struct {
	kanji, kana string
	sex         Sex
}{
	{"太郎", "タロウ", SexMale}, {"一郎", "イチロウ", SexMale}, {"健太", "ケンタ", SexMale}, {"翔太", "ショウタ", SexMale},
	{"大輔", "ダイスケ", SexMale}, {"拓也", "タクヤ", SexMale}, {"直樹", "ナオキ", SexMale}, {"誠", "マコト", SexMale},
	{"浩", "ヒロシ", SexMale}, {"隆", "タカシ", SexMale}, {"蓮", "レン", SexMale}, {"悠真", "ユウマ", SexMale},
	{"湊", "ミナト", SexMale}, {"大翔", "ヒロト", SexMale}, {"勇気", "ユウキ", SexMale}, {"修", "オサム", SexMale},
	{"清", "キヨシ", SexMale}, {"茂", "シゲル", SexMale}, {"和夫", "カズオ", SexMale}, {"正男", "マサオ", SexMale},
	{"花子", "ハナコ", SexFemale}, {"陽子", "ヨウコ", SexFemale}, {"恵子", "ケイコ", SexFemale}, {"美咲", "ミサキ", SexFemale},
	{"由美", "ユミ", SexFemale}, {"真由美", "マユミ", SexFemale}, {"愛", "アイ", SexFemale}, {"結衣", "ユイ", SexFemale},
	{"陽菜", "ヒナ", SexFemale}, {"さくら", "サクラ", SexFemale}, {"葵", "アオイ", SexFemale}, {"凛", "リン", SexFemale},
	{"幸子", "サチコ", SexFemale}, {"和子", "カズコ", SexFemale}, {"節子", "セツコ", SexFemale}, {"久美子", "クミコ", SexFemale},
	{"智子", "トモコ", SexFemale}, {"明美", "アケミ", SexFemale}, {"芽依", "メイ", SexFemale}, {"千尋", "チヒロ", SexFemale},
}

// GeneratedPatientForm returns the i-th synthetic patient of a generator
// seeded with seed (the same seed and i give the same patient).
func GeneratedPatientForm(seed int64, i int) PatientForm {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
	fam := genFamilies[r.IntN(len(genFamilies))]
	giv := genGiven[r.IntN(len(genGiven))]
	birth := genBirthFirst.AddDate(0, 0, r.IntN(genBirthDays))
	pref := 1 + r.IntN(47)
	insurer := fmt.Sprintf("06%02d%03d", pref, r.IntN(1000))
	insurer += string(rune('0' + jptext.LuhnCheckDigit(insurer)))
	return PatientForm{
		Name: fam[0] + "\u3000" + giv.kanji, NameKana: fam[1] + "\u3000" + giv.kana,
		BirthDate: birth.Format("2006-01-02"), Sex: string(giv.sex),
		ChartNumber:   fmt.Sprintf("G%d-%07d", seed, i+1),
		InsurerNumber: insurer, InsuredSymbol: fmt.Sprintf("%d", 100+r.IntN(900)),
		InsuredNumber: fmt.Sprintf("%d", 1000+r.IntN(9000)), InsuredBranch: fmt.Sprintf("%02d", r.IntN(5)),
		Postal: fmt.Sprintf("1%02d-%04d", r.IntN(100), r.IntN(10000)), Address: "東京都千代田区千代田1-1",
		Phone:            fmt.Sprintf("03-%04d-%04d", r.IntN(10000), r.IntN(10000)),
		Allergies:        []string{"", "", "", "ペニシリン", "卵", "造影剤"}[r.IntN(6)],
		ConfirmDuplicate: true,
	}
}

// Generated patients are born on one of genBirthDays days from
// genBirthFirst.
var genBirthFirst = time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC)

const genBirthDays = 94 * 365

// GeneratedBirthDatesEnd is the day after the last birth date the
// generator gives: patients born from then on are none of its.
var GeneratedBirthDatesEnd = genBirthFirst.AddDate(0, 0, genBirthDays)

// genNames is every family name with every given name, one per reading
// (斎藤 and 斉藤 are both サイトウ: only the first is kept). Built on first
// use: the server itself never generates patients.
var genNames = sync.OnceValue(func() []PatientForm {
	var out []PatientForm
	seen := map[string]bool{}
	for _, fam := range genFamilies {
		if seen[fam[1]] {
			continue
		}
		seen[fam[1]] = true
		for _, giv := range genGiven {
			out = append(out, PatientForm{Name: fam[0] + "\u3000" + giv.kanji, NameKana: fam[1] + "\u3000" + giv.kana, Sex: string(giv.sex)})
		}
	}
	return out
})

// GeneratedNames is how many different readings GeneratedName gives.
func GeneratedNames() int { return len(genNames()) }

// GeneratedName is the i-th (modulo GeneratedNames) of the generator's
// names, each with its own reading: 氏名, カナ and sex.
func GeneratedName(i int) (name, kana string, sex Sex) {
	names := genNames()
	n := names[i%len(names)]
	return n.Name, n.NameKana, Sex(n.Sex)
}

// GeneratePatients registers n synthetic patients in facility oid on behalf
// of member memberID, numbered from first (so runs can be resumed or
// added to), in transactions of 1,000. Chart numbers are G<seed>-<number>.
func (db *DB) GeneratePatients(oid, memberID string, seed int64, first, n int) error {
	a := PRSActor{MemberID: memberID, FacilityOID: oid, Remote: "generator"}
	now := db.Now()
	const chunk = 1000
	for start := first; start < first+n; start += chunk {
		end := min(start+chunk, first+n)
		forms := make([]PatientForm, 0, end-start)
		for i := start; i < end; i++ {
			f := GeneratedPatientForm(seed, i)
			if err := f.validate(now); err != nil {
				return fmt.Errorf("generated patient %d: %w", i, err)
			}
			forms = append(forms, f)
		}
		err := db.Update(func(tx *Tx) error {
			if _, err := facilityTx(tx, oid); err != nil {
				return err
			}
			for _, f := range forms {
				if _, err := createPatientTx(tx, a, NewPatientID(), f, false); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Credentials of the generated data set's member and facility.
const (
	PRSDatasetPassword         = "dataset-Member-2345"
	PRSDatasetFacilityPassword = "dataset-Facility-2345"
)

// EnsurePRSDataset opens path and makes sure it holds at least n generated
// patients in the data set's facility, returning the member and facility.
func EnsurePRSDataset(path string, n int, seed int64, logf func(string, ...any)) (*DB, Member, Facility, error) {
	db, err := Open(path, Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, Member{}, Facility{}, err
	}
	var m Member
	var f Facility
	members, err := db.Members(func(x Member) bool { return x.Name == "データセット 医師" })
	if err != nil {
		db.Close()
		return nil, Member{}, Facility{}, err
	}
	if len(members) == 0 {
		m, f, err = db.CreateTestMember(TestMemberSpec{Name: "データセット 医師", Password: PRSDatasetPassword,
			FacilityPassword: PRSDatasetFacilityPassword, FacilityName: "データセット総合病院", FacilityKind: FacilityHospital})
	} else {
		m = members[0]
		f, err = db.Facility(m.FacilityOID)
	}
	if err != nil {
		db.Close()
		return nil, Member{}, Facility{}, err
	}
	have, err := db.CountPatients(f.OID)
	if err != nil {
		db.Close()
		return nil, Member{}, Facility{}, err
	}
	if have < n {
		start := time.Now()
		if err := db.GeneratePatients(f.OID, m.ID, seed, have, n-have); err != nil {
			db.Close()
			return nil, Member{}, Facility{}, err
		}
		if logf != nil {
			d := time.Since(start)
			logf("generated %d patients in %v (%.0f/s)", n-have, d.Round(time.Millisecond), float64(n-have)/d.Seconds())
		}
	}
	return db, m, f, nil
}
