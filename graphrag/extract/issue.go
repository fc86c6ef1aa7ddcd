package extract

// Reason says which rule an extracted item broke.
type Reason string

// Reasons recorded in issues.
const (
	// ReasonEmptyName: an entity with no name (always pruned).
	ReasonEmptyName Reason = "empty_name"
	// ReasonUnknownEntityType: the type is not in the ontology.
	ReasonUnknownEntityType Reason = "unknown_entity_type"
	// ReasonMissingRequiredProperty: a required property is absent.
	ReasonMissingRequiredProperty Reason = "missing_required_property"
	// ReasonInvalidProperty: a property's value is not of its declared
	// JSON type and could not be converted (the property is dropped).
	ReasonInvalidProperty Reason = "invalid_property"
	// ReasonUnknownProperty: a property the entity type does not declare.
	ReasonUnknownProperty Reason = "unknown_property"
	// ReasonUnknownRelationType: the relation type is not in the ontology.
	ReasonUnknownRelationType Reason = "unknown_relation_type"
	// ReasonWrongDirection: the relation is valid only the other way
	// round (flipped by default, see WithFlipReversed).
	ReasonWrongDirection Reason = "wrong_direction"
	// ReasonDomainRange: the endpoint types are not allowed for the
	// relation in either direction.
	ReasonDomainRange Reason = "domain_range"
	// ReasonMissingEndpoint: an endpoint is not an extracted entity of the
	// chunk, or was itself pruned (always pruned).
	ReasonMissingEndpoint Reason = "missing_endpoint"
	// ReasonSelfLoop: both endpoints are the same entity (always pruned).
	ReasonSelfLoop Reason = "self_loop"
	// ReasonUngrounded: a mention could not be found in the chunk's text.
	ReasonUngrounded Reason = "ungrounded"
	// ReasonOffsetMismatch: the model's offsets were wrong; the mention
	// was located in the text instead.
	ReasonOffsetMismatch Reason = "offset_mismatch"
	// ReasonMalformed: a reply item that is neither an entity nor a
	// relation.
	ReasonMalformed Reason = "malformed"
)

// Action is what validation did about an issue.
type Action string

// Actions.
const (
	// ActionPruned: the item was removed.
	ActionPruned Action = "pruned"
	// ActionFlagged: the item was kept and carries the reason in its Flags
	// (lenient mode, ungrounded mentions).
	ActionFlagged Action = "flagged"
	// ActionFlipped: the relation was reversed.
	ActionFlipped Action = "flipped"
	// ActionCorrected: the mention's offsets were corrected.
	ActionCorrected Action = "corrected"
)

// ItemKind names what an issue is about.
type ItemKind string

// Item kinds.
const (
	ItemEntity   ItemKind = "entity"
	ItemRelation ItemKind = "relation"
	ItemProperty ItemKind = "property"
	ItemMention  ItemKind = "mention"
)

// Issue records one pruned, flagged, flipped or corrected item.
type Issue struct {
	ChunkID string   `json:"chunk_id"`
	Item    ItemKind `json:"item"`
	// Name is the entity's name, the relation as "source -type-> target",
	// the property's name or the mention's text.
	Name string `json:"name"`
	// Type is the entity or relation type as the model gave it.
	Type   string `json:"type,omitempty"`
	Reason Reason `json:"reason"`
	Action Action `json:"action"`
	// Detail explains the issue in words.
	Detail string `json:"detail,omitempty"`
}
