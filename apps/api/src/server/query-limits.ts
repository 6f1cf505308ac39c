import { type ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

export interface QueryLimits {
  /** Deepest selection nesting allowed (the operation's root fields are depth 1). */
  maxDepth: number;
  /** Highest estimated cost: 1 per field, list fields times their `first` argument (see the resolvers). */
  maxComplexity: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 8, maxComplexity: 20_000 };

/**
 * Refuses queries that are too deep or too costly before any resolver runs, with a message that says the limit
 * and the query's value, so a client knows what to change.
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
          const depth = selectionDepth(operation.selectionSet, fragments, new Set());
          if (depth > limits.maxDepth) {
            throw new GraphQLError(`query is too deep: depth ${depth} exceeds the limit of ${limits.maxDepth}; split it into several queries`, {
              extensions: { code: 'QUERY_TOO_DEEP', depth, limit: limits.maxDepth, http: { status: 400 } },
            });
          }
          // A variable of the wrong type is the client's input error, which execution answers as BAD_USER_INPUT
          // naming the variable; the estimate needs valid variables and would report it as a complexity failure.
          if (getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return;
          let complexity: number;
          try {
            complexity = getComplexity({
              schema,
              query: document,
              operationName: operation.name?.value,
              variables: request.variables ?? {},
              estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch (error) {
            // graphql-query-complexity refuses more than 10,000 nodes itself, with no code (a 500 otherwise).
            throw new GraphQLError(`query is too complex: ${(error as Error).message}`, { extensions: { code: 'QUERY_TOO_COMPLEX', limit: limits.maxComplexity, http: { status: 400 } } });
          }
          if (complexity > limits.maxComplexity) {
            throw new GraphQLError(
              `query is too complex: estimated cost ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for fewer items per page (first) or fewer nested fields`,
              { extensions: { code: 'QUERY_TOO_COMPLEX', complexity, limit: limits.maxComplexity, http: { status: 400 } } },
            );
          }
        },
      };
    },
  };
}

/** Depth of a selection set, following fragments (a fragment cycle is a validation error already; guard anyway). */
function selectionDepth(set: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  if (!set) return 0;
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      // Introspection's own nesting (__schema, __type) is bounded by the schema; it is not what the limit is for.
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, 1 + selectionDepth(selection.selectionSet, fragments, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, selectionDepth(selection.selectionSet, fragments, visiting));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      deepest = Math.max(deepest, selectionDepth(fragment.selectionSet, fragments, visiting));
      visiting.delete(name);
    }
  }
  return deepest;
}
