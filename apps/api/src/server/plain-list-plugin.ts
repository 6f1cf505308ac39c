import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getVariableValues,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type GraphQLLeafType,
  type GraphQLResolveInfo,
} from 'graphql';

/** One selected field of the list's object type: its response key, and how its value is serialised. */
interface PlannedField {
  key: string;
  name: string;
  /** null for `__typename`. */
  leaf: GraphQLLeafType | null;
  nonNull: boolean;
}

/**
 * Answers `{ <root field>(args) { scalar fields } }` for the named root fields without graphql-js's per-field
 * execution: the root resolver runs as graphql-js would call it (same coerced arguments and context, so type-graphql's
 * validation and auth apply), then each row becomes one object of the selected fields, serialised by their scalar
 * and enum types. On the 44,000-row all-studies `correlations` answer graphql-js spent ~3 us and several allocations
 * (resolve info, argument object, path) on each of its 350,000 fields: about a quarter of the request's CPU with the
 * garbage it left.
 *
 * Only for object types whose fields are plain data (no field resolvers, middlewares or field-level `@Authorized`:
 * graphql-js would read `row[name]` through type-graphql's pass-through resolver). Anything else (fragments,
 * directives, arguments on the fields, nested selections, two fields with one response key, several root fields), and
 * any error (bad variables, a refused caller, a failing resolver, a value its type cannot serialise, a null in a
 * non-null field) is left to normal execution, which answers exactly as before; a failing resolver then runs twice.
 * The response is the same JSON normal execution gives: keys in selection order, values serialised by the same types
 * (tested against execution without the plugin).
 */
export function plainListPlugin(rootFields: readonly string[]): ApolloServerPlugin {
  const eligible = new Set(rootFields);
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, schema, request, contextValue }) {
          if (operation.operation !== OperationTypeNode.QUERY || operation.directives?.length || operation.selectionSet.selections.length !== 1) return null;
          const [root] = operation.selectionSet.selections;
          if (root?.kind !== Kind.FIELD || root.directives?.length || !root.selectionSet || !eligible.has(root.name.value)) return null;
          const queryType = schema.getQueryType();
          const fieldDef = queryType?.getFields()[root.name.value];
          if (!queryType || !fieldDef?.resolve) return null;
          // [T!]! of an object type T.
          const listType = isNonNullType(fieldDef.type) ? fieldDef.type.ofType : null;
          const itemType = listType && isListType(listType) && isNonNullType(listType.ofType) ? listType.ofType.ofType : null;
          if (!itemType || !isObjectType(itemType)) return null;

          const itemFields = itemType.getFields();
          const plan: PlannedField[] = [];
          const keys = new Set<string>();
          for (const selection of root.selectionSet.selections) {
            if (selection.kind !== Kind.FIELD || selection.directives?.length || selection.arguments?.length || selection.selectionSet) return null;
            const key = selection.alias?.value ?? selection.name.value;
            // A key starting with __ could be __proto__; a repeated key is merged by graphql-js.
            if ((key.startsWith('__') && key !== '__typename') || keys.has(key)) return null;
            keys.add(key);
            if (selection.name.value === '__typename') {
              plan.push({ key, name: '__typename', leaf: null, nonNull: true });
              continue;
            }
            const field = itemFields[selection.name.value];
            if (!field) return null;
            const nonNull = isNonNullType(field.type);
            const named = isNonNullType(field.type) ? field.type.ofType : field.type;
            if (!isLeafType(named)) return null;
            plan.push({ key, name: field.name, leaf: named, nonNull });
          }

          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
          if (variables.errors) return null;
          const rootKey = root.alias?.value ?? root.name.value;
          let rows: unknown;
          try {
            const args = getArgumentValues(fieldDef, root, variables.coerced);
            const info: GraphQLResolveInfo = {
              fieldName: root.name.value,
              fieldNodes: [root],
              returnType: fieldDef.type,
              parentType: queryType,
              path: { prev: undefined, key: rootKey, typename: queryType.name },
              schema,
              fragments: {},
              rootValue: undefined,
              operation,
              variableValues: variables.coerced,
            };
            rows = await fieldDef.resolve(undefined, args, contextValue, info);
          } catch {
            return null;
          }
          if (!Array.isArray(rows)) return null;

          const items = new Array<Record<string, unknown>>(rows.length);
          try {
            for (let i = 0; i < rows.length; i++) {
              const row = rows[i] as Record<string, unknown> | null;
              if (row === null || typeof row !== 'object') return null;
              const item: Record<string, unknown> = {};
              for (const { key, name, leaf, nonNull } of plan) {
                if (leaf === null) {
                  item[key] = itemType.name;
                  continue;
                }
                const value = row[name];
                if (value === null || value === undefined) {
                  if (nonNull) return null;
                  item[key] = null;
                } else {
                  const serialised = leaf.serialize(value);
                  // graphql-js refuses a serialiser's null as an error.
                  if (serialised === null || serialised === undefined) return null;
                  item[key] = serialised;
                }
              }
              items[i] = item;
            }
          } catch {
            return null;
          }
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: { [rootKey]: items } } } };
        },
      };
    },
  };
}
