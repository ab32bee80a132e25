cwlVersion: v1.2
class: Workflow

inputs:
  inputfile: File
  greeting: string

outputs:
  greetings:
    type: File
    outputSource: greet/greetings
  count:
    type: File
    outputSource: count/count

steps:
  greet:
    run:
      class: CommandLineTool
      requirements:  # REANA puts it here; cwltool --no-container refuses it unless openvre moves it to hints
        DockerRequirement:
          dockerPull: docker.io/library/python:3.12-slim
      baseCommand: [sh, -c]
      arguments:
        - echo "greeting people"; sed "s/.*/$1 &!/" "$0" > greetings.txt
        - $(inputs.inputfile.path)
        - $(inputs.greeting)
      inputs:
        inputfile: File
        greeting: string
      outputs:
        greetings:
          type: File
          outputBinding: {glob: greetings.txt}
    in:
      inputfile: inputfile
      greeting: greeting
    out: [greetings]

  count:
    run:
      class: CommandLineTool
      baseCommand: [sh, -c]
      arguments:
        - echo "counting greetings" >&2; wc -l < "$0" | tr -d ' ' > count.txt
        - $(inputs.greetings.path)
      inputs:
        greetings: File
      outputs:
        count:
          type: File
          outputBinding: {glob: count.txt}
    in:
      greetings: greet/greetings
    out: [count]
