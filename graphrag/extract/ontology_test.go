package extract

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kgas-dev/kgas/graphrag/kg"
)

// wellOntology is the test ontology: oil wells on the Norwegian shelf.
const wellOntology = `
name: wells
description: Exploration and production wells, the fields they are in and the formations they penetrate.
entity_types:
  - name: Well
    description: A wellbore, named by the NPD convention quadrant/block-number.
    patterns:
      - '\b\d{1,2}/\d{1,2}-(?:[A-Z]-)?\d{1,2}(?: ?[A-Z]{1,2}\b)?'
    properties:
      - {name: total_depth_m, type: number, description: measured depth in metres}
  - name: Field
    description: An oil or gas field.
    examples: [Volve, Grane, Johan Sverdrup, Ivar Aasen, Sleipner Øst, Gudrun]
    patterns:
      - '\b[Tt]he (?P<name>\p{Lu}\p{Ll}+(?: \p{Lu}\p{Ll}+)?) field\b'
  - name: Formation
    description: A named rock unit.
    examples: [Hugin Formation, Skagerrak Formation, Heather Formation, Draupne Formation, Heimdal Formation]
    patterns:
      - '\b\p{Lu}\p{Ll}+ (?:Formation|Group)\b'
  - name: Company
    description: An oil company.
    examples: [Equinor, Statoil, Norsk Hydro, Esso Norge, Aker BP, BP, Lundin]
  - name: Porosity
    description: A porosity measurement.
    properties:
      - {name: value, type: number, required: true, description: porosity in percent}
    patterns:
      - '(?i)porosity[^.;]{0,60}?\b(?P<name>(?P<value>\d{1,2}(?:\.\d+)?) ?%)'
      - '\b(?P<name>(?P<value>\d{1,2}(?:\.\d+)?) ?%) porosity'
relation_types:
  - name: drilled_by
    description: The company that drilled the well as operator.
    source: [Well]
    target: [Company]
    examples: ["15/9-19 SR was drilled by Statoil"]
  - name: operates
    description: The company is the operator of the field.
    source: [Company]
    target: [Field]
    examples: ["Equinor operates the Volve field", "Statoil is the operator of Sleipner Øst"]
  - name: located_in
    description: The well lies within the field's area.
    source: [Well]
    target: [Field]
    examples: ["15/9-F-11 is located in the Volve field"]
  - name: discovered
    description: The well is the discovery well of the field.
    source: [Well]
    target: [Field]
    examples: ["15/9-19 SR discovered the Volve field"]
  - name: penetrates
    description: The well was drilled through or tested the formation.
    source: [Well]
    target: [Formation]
    examples: ["15/9-19 SR penetrated the Hugin Formation"]
  - name: reservoir_of
    description: The formation holds the field's hydrocarbons.
    source: [Formation]
    target: [Field]
    examples: ["The Hugin Formation is the main reservoir of the Volve field"]
  - name: has_porosity
    description: A porosity measured in the formation.
    source: [Formation]
    target: [Porosity]
  - name: neighbours
    description: Two fields next to each other.
    source: [Field]
    target: [Field]
    symmetric: true
`

func testOntology(t testing.TB) *kg.Ontology {
	t.Helper()
	o, err := kg.ParseOntology([]byte(wellOntology))
	require.NoError(t, err)
	return o
}
