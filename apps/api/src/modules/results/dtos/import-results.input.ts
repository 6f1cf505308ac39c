import { MaxLength } from 'class-validator';
import { Field, InputType, registerEnumType } from 'type-graphql';

export enum ResultsFormat {
  /** The study's pair: `task_performances.csv` + `transf_metrics_values.csv`. */
  STUDY_RESULTS = 'STUDY_RESULTS',
  /** The follow-up benchmark's long format: `dataset,model,test_score,classes,transf_metric,transf_score`. */
  LONG = 'LONG',
}

registerEnumType(ResultsFormat, { name: 'ResultsFormat', description: 'STUDY_RESULTS: the performances + scores pair; LONG: one long-format file.' });

@InputType({ description: 'One CSV file as text; `name` appears in error messages (file:line: reason).' })
export class CsvUpload {
  @Field()
  @MaxLength(256)
  name!: string;

  @Field({ description: 'The file\'s content (UTF-8); at most the server\'s upload limit.' })
  text!: string;
}

@InputType({ description: 'Results to import into a study, with the same rules as `transferscope import`.' })
export class ImportResultsInput {
  @Field()
  @MaxLength(128)
  study!: string;

  @Field(() => ResultsFormat)
  format!: ResultsFormat;

  @Field(() => CsvUpload, { nullable: true, description: 'STUDY_RESULTS: `task,model,val_acc_score,test_acc_score`.' })
  performances?: CsvUpload;

  @Field(() => CsvUpload, { nullable: true, description: 'STUDY_RESULTS: `task,model,metric,value`.' })
  scores?: CsvUpload;

  @Field(() => CsvUpload, { nullable: true, description: 'LONG: the one long-format file.' })
  file?: CsvUpload;
}
