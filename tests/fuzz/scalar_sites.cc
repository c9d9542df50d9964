#include "scalar_sites.h"

#include <string>

#include "flatbuffers/reflection.h"
#include "nibble_bfbs_generated.h"

namespace nibble::fuzz {
namespace {

const reflection::Schema& schema() {
  return *reflection::GetSchema(fb::ModelBinarySchema::data());
}

bool is_scalar(reflection::BaseType t) { return t >= reflection::UType && t <= reflection::Double; }

// The table type a union field holds, or null for NONE and for tags the
// schema does not know (the Verifier does not look inside those, so
// neither may we). flatbuffers::GetUnionType assumes a known tag.
const reflection::Object* union_member(const reflection::Object& parent, const reflection::Field& field,
                                       const flatbuffers::Table& table) {
  const reflection::Schema& s = schema();
  const std::string tag_name = field.name()->str() + flatbuffers::UnionTypeFieldSuffix();
  const reflection::Field* tag_field = parent.fields()->LookupByKey(tag_name.c_str());
  if (tag_field == nullptr) return nullptr;
  const uint8_t tag = flatbuffers::GetFieldI<uint8_t>(table, *tag_field);
  if (tag == 0) return nullptr;
  const reflection::EnumVal* value = s.enums()->Get(field.type()->index())->values()->LookupByKey(tag);
  if (value == nullptr || value->union_type() == nullptr || value->union_type()->index() < 0) return nullptr;
  return s.objects()->Get(value->union_type()->index());
}

// The schema's tables are a few levels deep (Model > Operator > options),
// so recursion here is bounded by the schema, not by the file.
void walk_table(const reflection::Object& object, const flatbuffers::Table* table, std::vector<ScalarSite>& sites) {
  const reflection::Schema& s = schema();
  for (const reflection::Field* field : *object.fields()) {
    const reflection::Type* type = field->type();
    uint8_t* at = const_cast<uint8_t*>(table->GetAddressOf(field->offset()));
    if (at == nullptr) continue;  // absent: holds its default, nothing to rewrite in place
    const reflection::BaseType base = type->base_type();
    if (is_scalar(base)) {
      sites.push_back({at, base, 1});
    } else if (base == reflection::Obj) {
      const reflection::Object& child = *s.objects()->Get(type->index());
      if (child.is_struct()) continue;  // the schema has none
      walk_table(child, flatbuffers::GetFieldT(*table, *field), sites);
    } else if (base == reflection::Union) {
      const reflection::Object* child = union_member(object, *field, *table);
      if (child != nullptr) walk_table(*child, flatbuffers::GetFieldT(*table, *field), sites);
    } else if (base == reflection::Vector) {
      auto* vec = flatbuffers::GetFieldAnyV(*table, *field);
      const reflection::BaseType element = type->element();
      if (is_scalar(element)) {
        if (vec->size() != 0) sites.push_back({vec->Data(), element, vec->size()});
      } else if (element == reflection::Obj) {
        const reflection::Object& child = *s.objects()->Get(type->index());
        for (uint32_t i = 0; i < vec->size(); ++i) {
          walk_table(child, flatbuffers::GetAnyVectorElemPointer<const flatbuffers::Table>(vec, i), sites);
        }
      }
    }
  }
}

}  // namespace

size_t scalar_size(reflection::BaseType type) {
  switch (type) {
    case reflection::UType: case reflection::Bool: case reflection::Byte: case reflection::UByte: return 1;
    case reflection::Short: case reflection::UShort: return 2;
    case reflection::Int: case reflection::UInt: case reflection::Float: return 4;
    default: return 8;
  }
}

std::vector<ScalarSite> find_scalar_sites(uint8_t* flatbuffer) {
  std::vector<ScalarSite> sites;
  const auto* root = flatbuffers::GetRoot<flatbuffers::Table>(flatbuffer);
  walk_table(*schema().root_table(), root, sites);
  return sites;
}

}  // namespace nibble::fuzz
