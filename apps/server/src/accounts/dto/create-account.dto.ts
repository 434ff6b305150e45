import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CreateAccountRequest, Limits } from '@parley/protocol';

export class CreateAccountDto implements CreateAccountRequest {
  /** Lower-case letters, digits, `_` and `.`; 3 to 32 characters, starting with a letter or digit. */
  @IsString()
  @Matches(Limits.usernamePattern, { message: 'must match ^[a-z0-9][a-z0-9_.]{2,31}$' })
  username: string;

  /** 8 to 256 characters. */
  @IsString()
  @MinLength(Limits.passwordMinLength)
  @MaxLength(Limits.passwordMaxLength)
  password: string;
}

export class CreateAccountResponseDto {
  username: string;
}
