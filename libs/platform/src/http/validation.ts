import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { problem, ProblemFieldError, problemTypes } from './problem';

/** Query and path parameters validated by their DTO classes; a bad one is a 400 problem naming each parameter. */
export function problemValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) =>
      problem(
        HttpStatus.BAD_REQUEST,
        problemTypes.invalidRequest,
        'Invalid request',
        'the request parameters are not valid',
        flatten(errors),
      ),
  });
}

function flatten(errors: ValidationError[], prefix = ''): ProblemFieldError[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([key, message]) => ({
      field,
      message: key === 'whitelistValidation' ? 'is not a known parameter' : message.replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
