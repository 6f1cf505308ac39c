import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, InputType } from 'type-graphql';

@InputType({ description: 'A source model definition to create or update (by `id`). Optional fields left out keep their stored values.' })
export class RegisterModelInput {
  @Field({ description: 'Stable id: letters, digits and _ . + - (at most 128 characters), as results files name it.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'e.g. "resnet50"; at most 200 characters.' })
  architecture?: string | null;

  @Field(() => String, { nullable: true, description: 'What it was pretrained on, e.g. "imagenet-1k"; at most 200 characters.' })
  sourceDataset?: string | null;

  @Field(() => Float, { nullable: true, description: 'Number of parameters: a whole number >= 1 (Float, since counts pass 2^31).' })
  parameterCount?: number | null;

  @Field(() => Float, { nullable: true, description: 'ImageNet-1k top-1 accuracy as a fraction in [0, 1] (0.761, not 76.1).' })
  imagenetTop1?: number | null;

  @Field(() => String, { nullable: true, description: 'sha256 (64 lowercase hex digits) over the weight files.' })
  weightsHash?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Free-form facts (licence, format, feature dimension); replaces the stored object; at most 64 KiB as JSON.' })
  metadata?: Record<string, unknown> | null;
}
