package kgtest

import (
	"strings"
)

// AnimalDim is the dimension of AnimalEmbedding.
const AnimalDim = 324

// animalVocab is the AnimalEmbeddings vocabulary (animals README §2), in
// order, duplicates included.
var animalVocab = strings.Fields(`
	alli alpa amer amph ante ante antl appe aqua arct arma aust
	babo badg barr bask bear beav beet beha bird biso bite blac
	blue boar bobc brig buff bugl burr bush butt came cani capy
	cari carn cass cate cham chee chic chim chin chir clim coas
	coat cobr cock colo colo comm comp cour coyo crab cran croa
	croc crow crus wing wool cult cunn curi curl damb danc deer
	defe defe deme dese digg ding dise dist dive dolp dome dome
	donk dove drag drag duck ecos effo eigh elab eleg elev elon
	euca extr eyes falc famo famo fast fast feat feet ferr fier
	figh finc fish flam flig flig food fore foun fres frie frog
	gaze geck gees gent gill gira goat gori grac gras gras graz
	grou grou grou guin hams hard hawk hedg herb herd hero high
	hipp honk horn hors hove howl huma humm hump hunt hyen iden
	igua inde inse inte jack jagu jell jump jung kang koal komo
	lark larv lemu leop life lion liza lobs long loud loya mada
	magp mamm mana mari mars mass mati meat medi melo meta migr
	milk mimi moos mosq moth narw nati natu neck newt noct nort
	ocea octo ostr pack pain patt peac pest pinc pink play plum
	poll post pouc powe prec pred prey prid prim prob prot prow
	quac quil rais rapi reac rega rege regi rego rein rept resi
	rive roam rode sava scav seab seaf seas semi shar shed shel
	skil smal snak soci soft soli song song soun sout spec spee
	spik spor spot stag stic stin stin stor stre stre stre stro
	surv surv sust symb tail tall talo team teet tent term terr
	thou tiny tong toug tree agil tuft tund tusk umbr unic uniq
	vast vege veno vibr vita vora wadi wasp wate webb wetl wild
	ant bat bee cat cow dog eel elk emu fox pet pig
`)

// AnimalEmbedding embeds text with the deterministic AnimalEmbeddings rule
// of the graph-rag test suite (animals README §2): component i is
// 1 + 100/o_i when vocabulary entry i occurs in text as a case-sensitive
// substring, else 0.2/(i+1), where o_i is the entry's code-point sum,
// negated for odd i. Computed in float64, returned as float32, not
// normalised.
func AnimalEmbedding(text string) []float32 {
	v := make([]float32, len(animalVocab))
	for i, w := range animalVocab {
		if strings.Contains(text, w) {
			o := 0
			for _, r := range w {
				o += int(r)
			}
			if i%2 == 1 {
				o = -o
			}
			v[i] = float32(1.0 + 100.0/float64(o))
		} else {
			v[i] = float32(0.2 / float64(i+1))
		}
	}
	return v
}
