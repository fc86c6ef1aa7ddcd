package lexical

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// relatedPairs are paraphrases or closely related statements written for
// this test. Most share some surface form (a word, a stem, a name), as real
// paraphrases usually do; a few lean on synonyms, which a lexical embedder
// cannot see, and are allowed to lose.
var relatedPairs = [][2]string{
	{"The cat is sleeping on the warm windowsill.", "A cat sleeps on a sunny windowsill."},
	{"Wolves hunt in packs across the frozen tundra.", "A pack of wolves was hunting on the tundra."},
	{"Honeybees collect nectar from flowers to make honey.", "Bees turn flower nectar into honey."},
	{"The elephant used its trunk to spray water.", "An elephant sprayed water with its trunk."},
	{"Penguins cannot fly but they swim very well.", "Although penguins are flightless, they are excellent swimmers."},
	{"Paris is the capital city of France.", "The French capital is Paris."},
	{"Tokyo has one of the busiest subway systems in the world.", "The Tokyo subway is among the busiest on the planet."},
	{"Venice is built on a lagoon and crossed by canals.", "The canals of Venice cross a city built in a lagoon."},
	{"New York City never sleeps.", "The city of New York is awake all night."},
	{"Rome was not built in a day.", "Building Rome took much longer than a single day."},
	{"The compiler reports an error when a variable is unused.", "Unused variables make the compiler report an error."},
	{"Restart the server after changing the configuration file.", "After you change the config file, the server must be restarted."},
	{"This function returns the length of the string in bytes.", "The function gives the byte length of a string."},
	{"The database query timed out after thirty seconds.", "After 30 seconds the query to the database hit its timeout."},
	{"Goroutines communicate by sending values over channels.", "Values are sent between goroutines through a channel."},
	{"Unit tests should run quickly and be deterministic.", "Fast, deterministic unit tests are best."},
	{"Preheat the oven before baking the bread.", "Heat the oven first, then bake the bread."},
	{"She added a pinch of salt to the tomato soup.", "A little salt went into the tomato soup."},
	{"The football match ended in a draw.", "The match finished as a draw, neither football team won."},
	{"Heavy rain is expected tomorrow afternoon.", "Tomorrow afternoon there will be heavy rainfall."},
	{"The river flooded the village after the storm.", "After the storm, floodwater from the river covered the village."},
	{"He repaired the bicycle's flat tyre.", "The flat tyre on his bicycle was repaired."},
	{"Photosynthesis converts sunlight into chemical energy in plants.", "Plants use photosynthesis to turn sunlight into energy."},
	{"The violinist played a beautiful melody at the concert.", "At the concert a violinist performed a lovely melody."},
	{"The car would not start on the cold morning.", "On a freezing morning the automobile failed to start."},
	{"Interest rates rose again this quarter.", "The central bank raised interest rates once more this quarter."},
}

// cosine of two unit (or zero) vectors.
func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// TestQuality checks that related texts score higher than unrelated ones.
// Pair i's unrelated counterpart is the first text of pair i with the
// second text of pair i+len/2 (a different topic), so each related pair is
// matched against an unrelated pair sharing its first text.
func TestQuality(t *testing.T) {
	n := len(relatedPairs)
	require.GreaterOrEqual(t, n, 20)
	texts := make([]string, 0, 2*n)
	for _, p := range relatedPairs {
		texts = append(texts, p[0], p[1])
	}
	vecs, err := New().Embed(context.Background(), texts)
	require.NoError(t, err)

	var sumRel, sumUnrel, minRel, maxUnrel float64
	minRel, maxUnrel = 1, -1
	wins := 0
	for i := range n {
		a, b := vecs[2*i], vecs[2*i+1]
		c := vecs[2*((i+n/2)%n)+1]
		rel, unrel := cosine(a, b), cosine(a, c)
		sumRel += rel
		sumUnrel += unrel
		minRel = min(minRel, rel)
		maxUnrel = max(maxUnrel, unrel)
		if rel > unrel {
			wins++
		} else {
			t.Logf("lost: %q vs %q: related %.3f <= unrelated %.3f", relatedPairs[i][0], relatedPairs[i][1], rel, unrel)
		}
	}
	// All unrelated combinations, for a fuller picture of the noise floor.
	var sumAll float64
	var nAll int
	for i := range n {
		for j := range n {
			if i != j {
				sumAll += cosine(vecs[2*i], vecs[2*j+1])
				nAll++
			}
		}
	}
	meanRel, meanUnrel := sumRel/float64(n), sumUnrel/float64(n)
	t.Logf("pairs=%d mean related cosine=%.3f mean matched unrelated=%.3f (all %d unrelated: %.3f) margin=%.3f min related=%.3f max unrelated=%.3f related wins=%d/%d (%.0f%%)",
		n, meanRel, meanUnrel, nAll, sumAll/float64(nAll), meanRel-meanUnrel, minRel, maxUnrel, wins, n, 100*float64(wins)/float64(n))
	require.Greater(t, meanRel-meanUnrel, 0.15, "mean related cosine must beat mean unrelated by a clear margin")
	require.GreaterOrEqual(t, float64(wins), 0.9*float64(n), "at least 90%% of related pairs must beat their matched unrelated pair")
}
